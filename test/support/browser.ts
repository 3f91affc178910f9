// The browser the editor tests drive: Debian's Chromium through playwright-core, which downloads no
// browser of its own. Browser tests skip themselves with `describe.skipIf(!chromiumPath)`; the
// default export, a Vitest global setup, says once per run why they were skipped, and in CI
// (CI=true) fails the run instead: a CI that silently skips its browser tests tests nothing.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const INSTALL_CHROMIUM = 'sudo apt-get install chromium';

/** CHROMIUM_PATH names another binary (and, set to a missing file, simulates a machine without one). */
const wanted = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const chromiumPath: string | undefined = existsSync(wanted) ? wanted : undefined;

export function launchChromium(): Promise<Browser> {
  if (!chromiumPath) throw new Error(`no Chromium at ${wanted}: ${INSTALL_CHROMIUM}`);
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A new page on Node-RED's editor, once its palette is drawn and its loading screen gone (a few
 * megabytes of scripts: slow on a busy machine). Uncaught page errors go to `pageErrors`;
 * `beforeLoad` runs before the editor loads (to hold back a request, say).
 */
export async function openEditor(
  browser: Browser,
  baseUrl: string,
  pageErrors: string[],
  beforeLoad?: (page: Page) => Promise<void>,
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await beforeLoad?.(page);
  await page.goto(baseUrl, { timeout: 60_000 });
  await page.locator('#red-ui-palette .red-ui-palette-node').first().waitFor({ timeout: 60_000 });
  await page.locator('#red-ui-loading-progress').waitFor({ state: 'hidden', timeout: 60_000 });
  return page;
}

/** A new page on the agent inbox at `inboxUrl`, signed in; uncaught page errors go to `pageErrors`. */
export async function openInbox(browser: Browser, inboxUrl: string, user: string, password: string, pageErrors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${inboxUrl}/`);
  await page.fill('#user', user);
  await page.fill('#password', password);
  await page.click('#signin-form button[type=submit]');
  await page.locator('#app').waitFor();
  return page;
}

export default function checkBrowser(): void {
  if (chromiumPath) return;
  const missing = `no Chromium at ${wanted}; install it with \`${INSTALL_CHROMIUM}\``;
  if (/^(1|true)$/i.test(process.env.CI ?? '')) throw new Error(`The browser tests cannot run in CI: ${missing}`);
  console.warn(`Browser tests skipped: ${missing}`);
}
