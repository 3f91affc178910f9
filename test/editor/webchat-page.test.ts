// The chat page in headless Chromium against a real Node-RED (issue 11): a visitor starts a chat,
// sends and receives; rich content (buttons, quick replies, cards, carousel, list, image, file,
// location) is rendered and a button click posts its postback; participant text is never HTML; a
// reload shows each message once; the widget tag adds a bubble that opens the chat. The agent side
// is played through the REST API as an internal binding. Screenshots land in test-results/.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from '../support/browser';
import { deployFlows, startNodeRed, type NodeRed } from '../support/node-red';
import { until } from '../support/wait';

const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'test-results');
const TOKEN = 'webchat-page-e2e-token';

const FLOW = [
  { id: 'tab', type: 'tab', label: 'web chat' },
  { id: 'chat-engine', type: 'roomwire-engine', name: 'chat engine', database: '${ROOMWIRE_DB}', maxChainDepth: 5, httpPrefix: '/roomwire', version: 1, credentials: { apiToken: TOKEN } },
  { id: 'chat', type: 'roomwire-channel', engine: 'chat-engine', name: 'support chat', channelId: 'support-chat', channelType: 'webchat', provider: 'webchat', version: 1 },
  { id: 'desk-channel', type: 'roomwire-channel', engine: 'chat-engine', name: 'desk', channelId: 'desk', channelType: 'agent', provider: 'flow', version: 1 },
  { id: 'desk-in', type: 'roomwire-room-in', z: 'tab', engine: 'chat-engine', mode: 'participant', channel: 'desk-channel', onlyChannel: true, roomId: '', channelIds: '', eventTypes: '', includeBlocked: false, version: 1, x: 200, y: 100, wires: [[]] },
];

let browser: Browser;
let nodeRed: NodeRed;
const pageErrors: string[] = [];

async function api(operation: string, input: unknown): Promise<any> {
  const res = await fetch(`${nodeRed.httpNodeUrl}roomwire/api/operations/${operation}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${operation}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

beforeAll(async () => {
  if (!chromiumPath) return;
  browser = await launchChromium();
  await mkdir(screenshots, { recursive: true });
  nodeRed = await startNodeRed({ flows: [] });
  await deployFlows(nodeRed, FLOW);
});

afterAll(async () => {
  await browser?.close();
  await nodeRed?.stop();
});

/** A page (of `context`: a browser profile of its own otherwise) whose errors fail the test. */
async function watchedPage(viewport: { width: number; height: number }, context: { newPage(): Promise<Page> } | null = null): Promise<Page> {
  const page = context ? await context.newPage() : await browser.newPage({ viewport });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return page;
}

/**
 * Any page of the site with only the widget tag (an empty one under the same server), its bubble
 * focused and opened from the keyboard.
 */
async function openWidget(viewport: { width: number; height: number }): Promise<{ page: Page; bubble: Locator }> {
  const page = await watchedPage(viewport);
  await page.goto(`${nodeRed.httpNodeUrl}roomwire/chat.css`);
  await page.setContent(`<!doctype html><html><head></head><body><h1>Shop</h1><script src="${nodeRed.httpNodeUrl}roomwire/chat.js" data-channel="support-chat"></script></body></html>`);
  const bubble = page.locator('#roomwire-chat-bubble');
  await bubble.focus();
  await page.keyboard.press('Enter');
  return { page, bubble };
}

async function openChat(width: number, context: { newPage(): Promise<Page> } | null = null): Promise<Page> {
  const page = await watchedPage({ width, height: 900 }, context);
  await page.goto(`${nodeRed.httpNodeUrl}roomwire/chat?channel=support-chat`);
  return page;
}

const messages = (page: Page) => page.locator('#rw-log > li');

describe.skipIf(!chromiumPath)('chat page (Chromium)', () => {
  it('sends, receives, renders rich content as DOM (never HTML), posts a postback, resumes after reload', async () => {
    const page = await openChat(1280);
    const session = await until(
      () => page.evaluate(() => JSON.parse(localStorage.getItem('roomwire-chat:support-chat') ?? 'null') as { roomId: string; bindingId: string } | null).then((s) => s ?? undefined),
      'the chat to start',
    );
    const { roomId } = session;
    const agent = (await api('attachBinding', { roomId, channelId: 'desk', address: 'ann', audience: 'internal', metadata: { displayName: 'Ann' } })).binding.id;
    const say = (content: unknown) => api('sendEvent', { roomId, bindingId: agent, content });

    // The visitor writes: Enter sends, the message shows as its own and reaches the room.
    await page.locator('#rw-input').fill('Hello, my order is late');
    await page.locator('#rw-input').press('Enter');
    await page.locator('#rw-log .rw-own', { hasText: 'Hello, my order is late' }).waitFor();
    await until(async () => (await api('getTimeline', { roomId })).events.some((e: any) => e.content.text === 'Hello, my order is late'), 'the message in the room');

    // Participant text that looks like HTML is shown as text.
    const hostile = '<img src=x onerror="window.__pwned=1"><b>bold</b>';
    await say({ type: 'text', text: hostile });
    await page.locator('#rw-log li', { hasText: '<b>bold</b>' }).waitFor();
    expect(await page.locator('#rw-log b').count()).toBe(0);
    expect(await page.locator('#rw-log img[src="x"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#rw-log li', { hasText: '<b>bold</b>' }).locator('.rw-meta').first().textContent()).toBe('Ann');

    // Rich content.
    const image = `${nodeRed.baseUrl}favicon.ico`;
    const offer = await say({
      type: 'rich',
      text: 'How can we help?',
      buttons: [{ title: 'Track my order', postback: 'TRACK' }, { title: 'Our site', url: 'https://example.com/' }],
      quickReplies: [{ title: 'Talk to a human', postback: 'HUMAN' }],
      cards: [{ title: 'Order 1042', subtitle: 'Shipped', buttons: [{ title: 'Details', postback: 'DETAILS-1042' }] }],
    });
    await say({ type: 'rich', text: 'New arrivals', carousel: { cards: [{ title: 'Lamp', imageUrl: image, buttons: [{ title: 'Buy lamp', postback: 'BUY-LAMP' }] }, { title: 'Chair', subtitle: 'Oak' }] } });
    await say({ type: 'list', text: 'Pick a slot', button: 'Show slots', sections: [{ title: 'Monday', rows: [{ id: 'MON-9', title: '9:00', description: 'morning' }] }] });
    await say({ type: 'media', url: image, mimeType: 'image/x-icon', caption: 'our logo' });
    await say({ type: 'media', url: 'https://example.com/invoice.pdf', mimeType: 'application/pdf', filename: 'invoice.pdf' });
    await say({ type: 'location', latitude: 48.8584, longitude: 2.2945, label: 'Our shop' });
    await page.locator('#rw-log a', { hasText: 'Our shop' }).waitFor();

    expect(await page.locator('button.rw-choice', { hasText: 'Track my order' }).count()).toBe(1);
    expect(await page.locator('a.rw-link', { hasText: 'Our site' }).getAttribute('href')).toBe('https://example.com/');
    expect(await page.locator('.rw-quick button', { hasText: 'Talk to a human' }).count()).toBe(1);
    expect(await page.locator('.rw-card .rw-card-title', { hasText: 'Order 1042' }).count()).toBe(1);
    expect(await page.locator('.rw-carousel .rw-card').count()).toBe(2);
    expect(await page.locator('details.rw-list summary').textContent()).toBe('Show slots');
    expect(await page.locator('img.rw-media-image').getAttribute('src')).toBe(image);
    expect(await page.locator('a[download]', { hasText: 'invoice.pdf' }).getAttribute('href')).toBe('https://example.com/invoice.pdf');
    expect(await page.locator('a', { hasText: 'Our shop' }).getAttribute('href')).toContain('mlat=48.8584');

    // A click on a reply button posts its postback as the visitor's reply.
    await page.locator('button.rw-choice', { hasText: 'Track my order' }).click();
    const reply = await until(async () => (await api('getTimeline', { roomId })).events.find((e: any) => e.reply?.postback === 'TRACK'), 'the postback in the room');
    expect(reply.reply).toMatchObject({ eventId: offer.event.id, title: 'Track my order' });
    expect(reply.content).toEqual({ type: 'text', text: 'Track my order' });
    await page.locator('#rw-log .rw-own', { hasText: 'Track my order' }).waitFor();
    // A list row is a keyboard-reachable button too.
    await page.locator('details.rw-list summary').focus();
    await page.keyboard.press('Enter');
    await page.locator('.rw-list-row', { hasText: '9:00' }).click();
    await until(async () => (await api('getTimeline', { roomId })).events.find((e: any) => e.reply?.postback === 'MON-9'), 'the list row postback');

    // The agent reads: the visitor's messages show as read.
    const latest = (await api('getTimeline', { roomId, descending: true, limit: 1 })).events[0].index;
    await api('markRead', { bindingId: agent, index: latest });
    await page.locator('#rw-log .rw-own .rw-status', { hasText: 'Read' }).first().waitFor();

    // The agent types: the page says so.
    await api('setTyping', { bindingId: agent, typing: true });
    await page.locator('#rw-typing', { hasText: 'Ann is typing' }).waitFor();

    await page.locator('#rw-log li').last().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(screenshots, 'webchat-page-1280.png'), fullPage: false });
    await page.setViewportSize({ width: 360, height: 740 });
    await page.screenshot({ path: path.join(screenshots, 'webchat-page-360.png'), fullPage: false });
    // Nothing overflows sideways at 360 px.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    // Reload: the same chat, each message once, in order.
    const before = await messages(page).allTextContents();
    await page.reload();
    await until(async () => (await messages(page).count()) >= before.length, 'history after reload');
    await say({ type: 'text', text: 'after the reload' });
    await page.locator('#rw-log li', { hasText: 'after the reload' }).waitFor();
    const after = await messages(page).allTextContents();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after).toHaveLength(before.length + 1);
    const indexes = await page.locator('#rw-log > li').evaluateAll((items) => items.map((li) => Number((li as HTMLElement).dataset.index)));
    expect(new Set(indexes).size).toBe(indexes.length);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('a chat open in more tabs than it may be goes on: the extra tab says so, waits for a place and joins the same chat', async () => {
    // One browser profile: every tab reads the same saved chat.
    const context = await browser.newContext({ viewport: { width: 800, height: 700 } });
    try {
      const open = () => openChat(800, context);
      // Which chat the tabs keep (its token may be renewed meanwhile).
      const saved = (page: Page) =>
        page.evaluate(() => (JSON.parse(localStorage.getItem('roomwire-chat:support-chat') ?? 'null') as { bindingId: string } | null)?.bindingId);
      const first = await open();
      const session = await until(() => saved(first), 'the chat to start');
      const { roomId } = (await api('getBinding', { bindingId: session })) as { roomId: string };
      const connected = (page: Page) => until(async () => (await page.locator('#rw-state').textContent()) === '' || undefined, 'the tab connected');
      await connected(first);
      const tabs = [first];
      for (let i = 1; i < 10; i++) {
        tabs.push(await open());
        await connected(tabs[i]!);
      }
      const { rooms } = await api('listRooms', {});

      // The eleventh tab is told why it waits; it keeps the saved chat and starts no other.
      const extra = await open();
      await extra.locator('#rw-error', { hasText: 'open in 10 pages already' }).waitFor();
      expect(await extra.locator('#rw-state').textContent()).toBe('Open in too many tabs');
      expect(await saved(extra)).toBe(session);
      expect((await api('listRooms', {})).rooms).toHaveLength(rooms.length);

      // A tab closed makes a place: the extra tab joins the same chat and sees what is said there.
      await tabs.pop()!.close();
      await until(async () => (await extra.locator('#rw-error').count()) === 0 || undefined, 'the extra tab connected', 30_000);
      const agent = (await api('attachBinding', { roomId, channelId: 'desk', address: 'ben', audience: 'internal', metadata: { displayName: 'Ben' } })).binding.id;
      await api('sendEvent', { roomId, bindingId: agent, content: { type: 'text', text: 'one chat, eleven tabs' } });
      await extra.locator('#rw-log li', { hasText: 'one chat, eleven tabs' }).waitFor();
      expect(await saved(extra)).toBe(session);
      expect((await api('listRooms', {})).rooms).toHaveLength(rooms.length);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('an error that kept the chat from connecting goes once it is connected', async () => {
    const page = await watchedPage({ width: 360, height: 740 });
    // The network drops the first start (Node-RED restarting, a flaky mobile connection).
    let starts = 0;
    await page.route('**/roomwire/chat/start', (route) => (++starts === 1 ? route.abort('connectionrefused') : route.continue()));
    await page.goto(`${nodeRed.httpNodeUrl}roomwire/chat?channel=support-chat`);
    await page.locator('#rw-error').waitFor();
    await until(async () => (await page.locator('#rw-state').textContent()) === '' || undefined, 'the chat connected');
    expect(starts).toBe(2);
    expect(await page.locator('#rw-error').count()).toBe(0);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('"Start a new chat" after the chat ended starts one chat, whatever the time the start takes', async () => {
    const page = await watchedPage({ width: 360, height: 900 });
    // The page's own timers run on a clock the test can move forward; its starts are counted as they are asked for.
    await page.clock.install();
    await page.addInitScript(() => {
      const counted = window as unknown as { chatStarts: number };
      counted.chatStarts = 0;
      const fetchOf = window.fetch.bind(window);
      window.fetch = (input, init) => {
        if (String(input).endsWith('chat/start')) counted.chatStarts++;
        return fetchOf(input, init);
      };
    });
    await page.goto(`${nodeRed.httpNodeUrl}roomwire/chat?channel=support-chat`);
    const saved = () => page.evaluate(() => (JSON.parse(localStorage.getItem('roomwire-chat:support-chat') ?? 'null') as { roomId: string } | null)?.roomId);
    const roomId = await until(saved, 'the chat to start');
    await until(async () => (await page.locator('#rw-state').textContent()) === '' || undefined, 'the chat connected');
    await api('closeRoom', { roomId });
    await page.locator('#rw-restart').waitFor();
    const { rooms } = await api('listRooms', {});
    // A slow network: the new chat takes a second to start.
    await page.route('**/roomwire/chat/start', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.locator('#rw-restart').click();
    await until(async () => ((await saved()) ?? roomId) !== roomId || undefined, 'the new chat to start');
    await until(async () => (await page.locator('#rw-state').textContent()) === '' || undefined, 'the new chat connected');
    // Every reconnection the page may still have scheduled (at most 15 s away) comes due now.
    await page.clock.runFor(20_000);
    expect(await page.evaluate(() => (window as unknown as { chatStarts: number }).chatStarts)).toBe(2);
    expect((await api('listRooms', {})).rooms).toHaveLength(rooms.length + 1);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('a long name or link without spaces wraps inside the chat at 360 px', async () => {
    const page = await openChat(360);
    const session = await until(
      () => page.evaluate(() => JSON.parse(localStorage.getItem('roomwire-chat:support-chat') ?? 'null') as { roomId: string } | null).then((s) => s ?? undefined),
      'the chat to start',
    );
    // An agent known by their email address, and a flow's system line with a link.
    const name = 'annabelle.montgomerywellington@examplecorporation.com';
    const agent = (await api('attachBinding', { roomId: session.roomId, channelId: 'desk', address: 'annabelle', audience: 'internal', metadata: { displayName: name } })).binding.id;
    await api('sendEvent', { roomId: session.roomId, bindingId: agent, content: { type: 'text', text: 'Hello' } });
    await api('sendEvent', { roomId: session.roomId, bindingId: agent, content: { type: 'system', text: `Track it at https://example.com/track/${'a1b2c3d4'.repeat(8)}` } });
    await page.locator('#rw-log li', { hasText: 'Track it at' }).waitFor();
    // Typing is a signal, not stored: sent once the page shows the messages, so its socket is live.
    await api('setTyping', { bindingId: agent, typing: true });
    await page.locator('#rw-typing', { hasText: name }).waitFor();
    const sideways = await page.evaluate(() => {
      const log = document.getElementById('rw-log')!;
      return { page: document.documentElement.scrollWidth, log: log.scrollWidth - log.clientWidth };
    });
    expect(sideways).toEqual({ page: 360, log: 0 });
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('a chat started again because its token was refused shows no read receipt of the old chat', async () => {
    const page = await watchedPage({ width: 800, height: 700 });
    // The first connection reaches the server; then the chat's token is refused three times (the
    // server's key changed, say) before connections reach it again.
    let connections = 0;
    let first: { close(): Promise<void> } | undefined;
    await page.routeWebSocket(/\/chat\/ws/, (ws) => {
      connections++;
      if (connections === 1 || connections > 4) {
        ws.connectToServer();
        if (connections === 1) first = ws;
      } else void ws.close();
    });
    await page.goto(`${nodeRed.httpNodeUrl}roomwire/chat?channel=support-chat`);
    const saved = () => page.evaluate(() => (JSON.parse(localStorage.getItem('roomwire-chat:support-chat') ?? 'null') as { roomId: string } | null)?.roomId);
    const roomId = await until(saved, 'the chat to start');
    const agent = (await api('attachBinding', { roomId, channelId: 'desk', address: 'cy', audience: 'internal' })).binding.id;
    for (const text of ['one', 'two', 'three', 'four', 'five']) {
      await page.locator('#rw-input').fill(text);
      await page.locator('#rw-input').press('Enter');
      await page.locator('#rw-log .rw-own', { hasText: text }).waitFor();
    }
    const latest = (await api('getTimeline', { roomId, descending: true, limit: 1 })).events[0].index;
    await api('markRead', { bindingId: agent, index: latest });
    await page.locator('#rw-log .rw-own', { hasText: 'five' }).locator('.rw-status', { hasText: 'Read' }).waitFor();

    await first!.close();
    await until(async () => ((await saved()) ?? roomId) !== roomId || undefined, 'a new chat to start', 30_000);
    await until(async () => (await page.locator('#rw-state').textContent()) === '' || undefined, 'the new chat connected');
    await page.locator('#rw-input').fill('anyone?');
    await page.locator('#rw-input').press('Enter');
    const status = page.locator('#rw-log .rw-own', { hasText: 'anyone?' }).locator('.rw-status');
    await until(async () => (await status.textContent()) || undefined, 'the new message shown');
    // Frames arrive in order: once the new chat's agent's reply shows, every frame sent before it has been handled.
    const newRoomId = (await saved())!;
    const newAgent = (await api('attachBinding', { roomId: newRoomId, channelId: 'desk', address: 'cy', audience: 'internal' })).binding.id;
    await api('sendEvent', { roomId: newRoomId, bindingId: newAgent, content: { type: 'text', text: 'here' } });
    await page.locator('#rw-log > li', { hasText: 'here' }).waitFor();
    expect(await status.textContent()).not.toBe('Read');
    // The page does say Read once someone in the new chat has read it.
    const newest = (await api('getTimeline', { roomId: newRoomId, descending: true, limit: 1 })).events[0].index;
    await api('markRead', { bindingId: newAgent, index: newest });
    await until(async () => (await status.textContent()) === 'Read' || undefined, 'the new chat read');
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 60_000);

  it('the widget tag adds a keyboard-operable bubble that opens the chat', async () => {
    const { page, bubble } = await openWidget({ width: 360, height: 740 });
    expect(await bubble.getAttribute('aria-expanded')).toBe('true');
    const frame = page.frameLocator('#roomwire-chat-panel');
    await frame.locator('#rw-input').waitFor();
    await frame.locator('#rw-input').fill('from the widget');
    await frame.locator('#rw-input').press('Enter');
    await frame.locator('#rw-log .rw-own', { hasText: 'from the widget' }).waitFor();
    await page.screenshot({ path: path.join(screenshots, 'webchat-widget-360.png') });
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("Escape closes the widget's chat from inside it and gives the focus back to the bubble", async () => {
    const { page, bubble } = await openWidget({ width: 1280, height: 800 });
    // The visitor is writing in the chat: the keys go to the chat page in the panel.
    const frame = page.frameLocator('#roomwire-chat-panel');
    await frame.locator('#rw-input').click();
    await page.keyboard.press('Escape');
    await page.locator('#roomwire-chat-panel').waitFor({ state: 'hidden' });
    expect(await bubble.getAttribute('aria-expanded')).toBe('false');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('roomwire-chat-bubble');
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
