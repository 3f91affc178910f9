// The browser the editor tests drive: Debian's Chromium through playwright-core, which downloads no
// browser of its own. Browser tests skip themselves with `describe.skipIf(!chromiumPath)`; the
// default export, a Vitest global setup, says once per run why they were skipped, and in CI
// (CI=true) fails the run instead: a CI that silently skips its browser tests tests nothing.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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

export default function checkBrowser(): void {
  if (chromiumPath) return;
  const missing = `no Chromium at ${wanted}; install it with \`${INSTALL_CHROMIUM}\``;
  if (/^(1|true)$/i.test(process.env.CI ?? '')) throw new Error(`The browser tests cannot run in CI: ${missing}`);
  console.warn(`Browser tests skipped: ${missing}`);
}
