// Channel nodes named in lists and choices of the editor: the fallback order and the hook filter
// are lists of channel pickers, transcode and mute name a channel by choice; each counts as a use
// of the channel, and deleting the channel flags them. A dialog saved before the runtime's lists
// arrive keeps its values. Screenshots land in test-results/.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, openEditor } from '../support/browser';
import { startNodeRed, type NodeRed } from '../support/node-red';
import { closeEditDialog, openEditDialog, workspaceNode } from '../support/edit-dialog';

const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'test-results');

// The editor's global, as far as this test reads it.
declare const RED: {
  nodes: {
    node(id: string): (Record<string, unknown> & { valid?: boolean; users?: { id: string }[] }) | null;
  };
};

const at = (x: number, y: number) => ({ z: 'tab', x, y, wires: [] as unknown[] });
const FLOW = [
  { id: 'tab', type: 'tab', label: 'channel lists' },
  { id: 'engine', type: 'roomwire-engine', name: 'engine', database: '${ROOMWIRE_DB}', maxChainDepth: 5, httpPrefix: '/roomwire', version: 1 },
  { id: 'sms', type: 'roomwire-channel', engine: 'engine', name: 'sms', channelId: 'sms', channelType: 'sms', provider: 'webhook', version: 1 },
  { id: 'email', type: 'roomwire-channel', engine: 'engine', name: 'email', channelId: 'email', channelType: 'email', provider: 'webhook', version: 1 },
  { id: 'fallback', type: 'roomwire-fallback', engine: 'engine', version: 2, action: 'set', target: 'participant', channel: 'sms', address: 'x', bindingId: '', channels: ['email'], channelIds: '', after: 'PT5M', onFailed: true, ...at(200, 100), wires: [[], []] },
  { id: 'hook', type: 'roomwire-hook', engine: 'engine', version: 2, trigger: 'before_broadcast', priority: 100, channels: ['sms'], channelIds: '', eventTypes: 'message', timeoutMs: 5000, failMode: 'open', ...at(200, 200) },
  { id: 'transcode', type: 'roomwire-transcode', engine: 'engine', version: 2, target: 'channel', channel: 'email', channelType: 'sms', maxParts: '', smartEncoding: true, ...at(200, 300) },
  { id: 'mute', type: 'roomwire-mute', engine: 'engine', version: 2, action: 'mute', target: 'participant', channel: 'email', address: 'ann', bindingId: '', ...at(400, 100) },
  { id: 'room', type: 'roomwire-room', engine: 'engine', version: 1, operation: 'create', roomId: 'lobby', participants: [{ channel: 'sms', address: 'ann', audience: 'internal', access: 'read_only', visibility: 'none', muted: false }], ...at(200, 400) },
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

/** A fresh editor page; `beforeLoad` may hold requests back. */
const open = (beforeLoad?: (page: Page) => Promise<void>) => openEditor(browser, nodeRed.baseUrl, pageErrors, beforeLoad);

const userIds = (page: Page, channel: string) => page.evaluate((id) => (RED.nodes.node(id)?.users ?? []).map((u) => u.id).sort(), channel);

describe.skipIf(!chromiumPath)('channel nodes in lists and choices', () => {
  let page: Page;

  it('counts the channels of fallback and hook lists, of transcode and of mute as used', async () => {
    page = await open();
    expect(await userIds(page, 'email')).toEqual(['fallback', 'mute', 'transcode']);
    expect(await userIds(page, 'sms')).toEqual(['fallback', 'hook', 'room']);
    const valid = await page.evaluate(() => ['fallback', 'hook', 'transcode', 'mute', 'room'].map((id) => RED.nodes.node(id)?.valid));
    expect(valid).toEqual([true, true, true, true, true]);
  });

  it('edits the hook filter as a list of channel pickers', async () => {
    await openEditDialog(page, 'hook');
    const rows = page.locator('#node-input-channels-container .roomwire-channel-list-row');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.nth(0).locator('select').inputValue()).toBe('sms');
    await page.locator('.form-row:has(#node-input-channels-container) .red-ui-editableList-addButton').click();
    await rows.nth(1).locator('select').selectOption({ label: 'email' });
    await page.screenshot({ path: path.join(screenshots, 'channel-lists-hook-dialog.png') });
    await closeEditDialog(page);
    expect(await page.evaluate(() => RED.nodes.node('hook')?.channels)).toEqual(['sms', 'email']);
    expect(await userIds(page, 'email')).toEqual(['fallback', 'hook', 'mute', 'transcode']);
  });

  it('flags the fallback, hook, transcode and mute nodes once a channel they use is deleted', async () => {
    await page.evaluate(() => (window as unknown as { RED: { sidebar: { config: { show(): void } } } }).RED.sidebar.config.show());
    await page.locator('.red-ui-palette-node-config').filter({ hasText: 'email' }).first().dblclick();
    await page.locator('.red-ui-tray').last().locator('button.leftButton').click();
    await page.locator('#node-config-dialog-ok').waitFor({ state: 'detached' });

    const flagged = () => page.evaluate(() => ['fallback', 'hook', 'transcode', 'mute', 'room'].filter((id) => RED.nodes.node(id)?.valid === false));
    await expect.poll(flagged).toEqual(['fallback', 'hook', 'transcode', 'mute']);
    for (const id of ['fallback', 'hook', 'transcode', 'mute']) await expect.poll(() => workspaceNode(page, id).locator('.red-ui-flow-node-error').isVisible()).toBe(true);
    await page.screenshot({ path: path.join(screenshots, 'channel-lists-channel-deleted.png') });
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it('keeps the values of a dialog saved before the runtime sent its lists', async () => {
    let held: Route | undefined;
    const tab = await open(async (p) => {
      await p.route('**/roomwire/vocabulary', (route) => void (held = route));
    });
    await openEditDialog(tab, 'room');
    await closeEditDialog(tab);
    expect(held, 'the vocabulary request is still held').toBeDefined();
    expect(await tab.evaluate(() => RED.nodes.node('room')?.participants)).toEqual([
      { channel: 'sms', address: 'ann', audience: 'internal', access: 'read_only', visibility: 'none', muted: false },
    ]);
    await held!.continue();
    await tab.close();
    expect(pageErrors).toEqual([]);
  });
});
