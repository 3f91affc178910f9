// The channel dialog's provider part in a real browser: the provider list comes from the runtime
// (built-in kinds, and plugins: test/package/pack-install.test.ts installs one), Twilio's rows show
// when Twilio is picked, and the webhook URL to paste into Twilio's console is the one the
// runtime verifies signatures against (engine public URL + httpNodeRoot + prefix + channel id).
// Screenshots land in test-results/.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, openEditor } from '../support/browser';
import { startNodeRed, type NodeRed } from '../support/node-red';

const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'test-results');

const FLOW = [
  { id: 'tab', type: 'tab', label: 'providers' },
  { id: 'engine', type: 'roomwire-engine', name: 'engine', database: '${ROOMWIRE_DB}', maxChainDepth: 5, httpPrefix: '/support', publicUrl: 'https://rooms.example.org', version: 1 },
  // Saved before the public URL and Twilio settings existed.
  { id: 'local-engine', type: 'roomwire-engine', name: 'local engine', database: 'local.sqlite', maxChainDepth: 5, httpPrefix: '/local', version: 1 },
  { id: 'account', type: 'roomwire-twilio', name: 'twilio account', messagingServiceSid: '', apiBaseUrl: '', version: 1 },
  { id: 'sms', type: 'roomwire-channel', engine: 'engine', name: 'twilio sms', channelId: 'tw-sms', channelType: 'sms', provider: 'twilio', twilio: 'account', twilioFrom: '+15550109999', version: 1 },
  { id: 'web', type: 'roomwire-channel', engine: 'local-engine', name: 'local web', channelId: 'web', channelType: 'webhook', provider: 'webhook', version: 1 },
];

let browser: Browser;
let nodeRed: NodeRed;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!chromiumPath) return;
  browser = await launchChromium();
  await mkdir(screenshots, { recursive: true });
  nodeRed = await startNodeRed({ flows: FLOW });
});

afterAll(async () => {
  await browser?.close();
  await nodeRed?.stop();
});

const open = () => openEditor(browser, nodeRed.baseUrl, pageErrors);

async function editConfig(page: Page, label: string): Promise<void> {
  await page.evaluate(() => (window as unknown as { RED: { sidebar: { config: { show(): void } } } }).RED.sidebar.config.show());
  await page.locator('.red-ui-palette-node-config').filter({ hasText: label }).first().dblclick();
  await page.locator('#node-config-dialog-ok').waitFor();
}

async function cancel(page: Page): Promise<void> {
  await page.click('#node-config-dialog-cancel');
  await page.locator('#node-config-dialog-ok').waitFor({ state: 'detached' });
}

describe.skipIf(!chromiumPath)('the channel dialog: providers and webhook URLs', () => {
  it("lists the runtime's providers, shows Twilio's rows and the exact URL to paste into Twilio's console", async () => {
    const page = await open();
    await editConfig(page, 'twilio sms');
    const provider = page.locator('#node-config-input-provider');
    await expect.poll(() => provider.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(
      expect.arrayContaining(['webhook', 'flow', 'twilio']),
    );
    expect(await provider.inputValue()).toBe('twilio');
    await expect.poll(() => page.locator('#roomwire-channel-webhook-url').textContent()).toBe('https://rooms.example.org/api/support/webhook/tw-sms');
    expect(await page.locator('#roomwire-channel-status-url').textContent()).toBe('https://rooms.example.org/api/support/webhook/tw-sms');
    expect(await page.locator('#roomwire-channel-local-url').isVisible()).toBe(false);
    expect(await page.locator('#node-config-input-twilioFrom').isVisible()).toBe(true);
    expect(await page.locator('#node-config-input-outboundUrl').isVisible()).toBe(false);
    await page.screenshot({ path: path.join(screenshots, 'channel-providers-twilio.png') });

    // Another channel id: the URL follows as it is typed.
    await page.fill('#node-config-input-channelId', 'tw-sms-2');
    await expect.poll(() => page.locator('#roomwire-channel-webhook-url').textContent()).toBe('https://rooms.example.org/api/support/webhook/tw-sms-2');
    // The webhook provider hides Twilio's rows and shows its own.
    await provider.selectOption('webhook');
    expect(await page.locator('#node-config-input-twilioFrom').isVisible()).toBe(false);
    expect(await page.locator('#node-config-input-outboundUrl').isVisible()).toBe(true);
    await cancel(page);
    await page.close();
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('flags a webhook URL on this machine only, which Twilio cannot call', async () => {
    const page = await open();
    // Nodes saved before the new settings existed stay valid.
    const valid = await page.evaluate(() =>
      ['local-engine', 'web'].map((id) => (window as unknown as { RED: { nodes: { node(id: string): { valid?: boolean } } } }).RED.nodes.node(id).valid),
    );
    expect(valid).toEqual([true, true]);
    await editConfig(page, 'local web');
    await expect.poll(() => page.locator('#roomwire-channel-webhook-url').textContent()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/local\/webhook\/web$/);
    expect(await page.locator('#roomwire-channel-local-url').isVisible()).toBe(true);
    await cancel(page);
    await page.close();
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
