// The default experience of issue 11 in a real browser: the support desk flow in a real Node-RED,
// a customer on the chat page and an agent in the inbox, in two browser contexts, on one room.
// Screenshots of both pages at 1280 px and 360 px land in test-results/.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCredentials, hashAgentPassword } from '../../nodes/lib/inbox/accounts';
import { chromiumPath, launchChromium } from '../support/browser';
import { deployFlows, startNodeRed, type NodeRed } from '../support/node-red';
import { until } from '../support/wait';

const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'test-results');
const TOKEN = 'support-desk-browser-test-token';
const PASSWORD = 'ana-has-a-long-password';
const NOTE = 'Internal: refund approved, do not tell yet';

/** Waits for the pages (two browser contexts and a Node-RED on a busy machine) to show something. */
const eventually = <T>(probe: () => T | Promise<T>) => expect.poll(probe, { timeout: 10_000, interval: 50 });

interface FlowNode {
  id: string;
  type: string;
  [key: string]: unknown;
}

describe.skipIf(!chromiumPath)('support desk: the chat page and the agent inbox on one room', () => {
  let nodeRed: NodeRed;
  let browser: Browser;
  let customerContext: BrowserContext;
  let agentContext: BrowserContext;
  let customer: Page;
  let agent: Page;
  const frames: string[] = [];
  const pageErrors: string[] = [];
  let agentNavigations = 0;
  let roomId = '';
  let customerBindingId = '';

  const chatUrl = () => `${nodeRed.httpNodeUrl}roomwire/chat?channel=support-chat`;
  const api = async <T>(operation: string, input: unknown): Promise<T> => {
    const res = await fetch(`${nodeRed.httpNodeUrl}roomwire/api/operations/${operation}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    if (!res.ok) throw new Error(`${operation}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const chatTexts = () => customer.locator('#rw-log li.rw-msg').allInnerTexts();
  const chatIndexes = async () => (await customer.locator('#rw-log li.rw-msg').evaluateAll((items) => items.map((li) => Number((li as HTMLElement).dataset.index))));
  const roomButton = () => agent.locator(`#rooms [data-room-id="${roomId}"]`);
  const unread = async () => Number(await roomButton().locator('.unread').getAttribute('data-unread'));
  const timelineText = () => agent.locator('#timeline').innerText();

  async function customerSays(text: string): Promise<void> {
    await customer.fill('#rw-input', text);
    await customer.click('#rw-send');
  }

  async function agentWrites(button: '#reply' | '#note', text: string): Promise<void> {
    await agent.fill('#message', text);
    await agent.click(button);
  }

  beforeAll(async () => {
    const desk = JSON.parse(await readFile(path.join(root, 'flows', 'support-desk.json'), 'utf8')) as FlowNode[];
    const credentials = { apiToken: TOKEN, ...agentCredentials([{ user: 'ana', hash: hashAgentPassword(PASSWORD) }]) };
    nodeRed = await startNodeRed({ flows: [] });
    await deployFlows(nodeRed, desk.map((node) => (node.type === 'roomwire-engine' ? { ...node, credentials } : node)));
    await mkdir(screenshots, { recursive: true });
    browser = await launchChromium();
    customerContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    agentContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    customer = await customerContext.newPage();
    agent = await agentContext.newPage();
    for (const page of [customer, agent]) page.on('pageerror', (error) => pageErrors.push(error.message));
    customer.on('websocket', (socket) => socket.on('framereceived', (frame) => frames.push(String(frame.payload))));
    agent.on('framenavigated', (frame) => {
      if (frame === agent.mainFrame()) agentNavigations++;
    });

    await customer.goto(chatUrl());
    const session = await until(
      async () =>
        (await customer.evaluate(() => JSON.parse(localStorage.getItem('roomwire-chat:support-chat') ?? 'null') as { roomId: string; bindingId: string } | null)) ??
        undefined,
      'the chat to start',
    );
    roomId = session.roomId;
    customerBindingId = session.bindingId;

    await agent.goto(`${nodeRed.httpNodeUrl}roomwire/inbox/`);
    await agent.fill('#user', 'ana');
    await agent.fill('#password', PASSWORD);
    await agent.click('#signin-form button[type=submit]');
    await agent.locator('#app').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await nodeRed?.stop();
  });

  it("shows the customer's message live in the inbox with unread 1", async () => {
    const navigationsBefore = agentNavigations;
    await customerSays('Hi, I was charged twice this month');
    await roomButton().waitFor();
    await eventually(unread).toBe(1);
    await eventually(() => roomButton().innerText()).toContain('Hi, I was charged twice this month');
    expect(agentNavigations).toBe(navigationsBefore);
  });

  it("lowers the room list's unread count to 0 when the agent reads the room", async () => {
    await roomButton().click();
    await eventually(timelineText).toContain('Hi, I was charged twice this month');
    await eventually(unread).toBe(0);
    expect(await roomButton().locator('.unread').isHidden()).toBe(true);
  });

  it("delivers the agent's reply to the chat page", async () => {
    await agentWrites('#reply', 'Hello, Ana here. Let me check that for you.');
    await eventually(async () => (await chatTexts()).join('\n')).toContain('Hello, Ana here. Let me check that for you.');
  });

  it('never sends an internal note to the chat page: not in its DOM, not in its WebSocket frames', async () => {
    await agentWrites('#note', NOTE);
    await eventually(() => agent.locator('#timeline li.internal').allInnerTexts()).toEqual([expect.stringContaining(NOTE)]);
    expect(await agent.locator('#timeline li.internal .badge').innerText()).toBe('Internal note');
    // A reply written after the note reaches the page, so the note would have come first.
    await agentWrites('#reply', 'Thanks for waiting.');
    await eventually(async () => (await chatTexts()).join('\n')).toContain('Thanks for waiting.');
    expect(await customer.content()).not.toContain('refund approved');
    expect(frames.filter((frame) => frame.includes('refund approved'))).toEqual([]);
    expect(frames.some((frame) => frame.includes('Thanks for waiting.'))).toBe(true);
  });

  it('masks a card number a customer types before the inbox sees it (the before_broadcast hook)', async () => {
    await customerSays('My card is 4111 1111 1111 1111');
    await eventually(timelineText).toContain('My card is •••• •••• •••• 1111');
    expect(await timelineText()).not.toContain('4111 1111 1111 1111');
  });

  it('posts the postback of a button clicked in the chat', async () => {
    await api('sendEvent', {
      roomId,
      content: { type: 'rich', text: 'What is it about?', buttons: [{ title: 'Billing', postback: 'topic:billing' }, { title: 'Something else', postback: 'topic:other' }] },
    });
    const billing = customer.getByRole('button', { name: 'Billing' });
    await billing.waitFor();
    await billing.click();
    await eventually(timelineText).toContain('chose topic:billing');
    const { events } = await api<{ events: { reply?: { postback: string }; source: { bindingId: string } }[] }>('getTimeline', { roomId });
    expect(events.filter((e) => e.reply)).toEqual([expect.objectContaining({ reply: expect.objectContaining({ postback: 'topic:billing' }), source: expect.objectContaining({ bindingId: customerBindingId }) })]);
  });

  it('resumes the chat page after a reload with no duplicate and no gap', async () => {
    await eventually(chatTexts).toContainEqual(expect.stringContaining('Billing'));
    const before = await chatTexts();
    await customer.goto('about:blank');
    // Written while the page is away: it must be there after the reload, once.
    await agentWrites('#reply', 'Written while you were away');
    await eventually(timelineText).toContain('Written while you were away');
    await customer.goto(chatUrl());
    await eventually(async () => (await chatTexts()).join('\n')).toContain('Written while you were away');
    const after = await chatTexts();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after).toHaveLength(before.length + 1);
    const { events } = await api<{ events: { index: number; type: string }[] }>('getTimeline', { roomId, bindingId: customerBindingId, limit: 1000 });
    expect(await chatIndexes()).toEqual(events.filter((e) => e.type === 'message').map((e) => e.index));
  });

  it('shows a muted participant in both pages: muted in the inbox, and the muted words reach nobody', async () => {
    const customerRow = agent.locator(`#participants [data-binding-id="${customerBindingId}"]`);
    await agent.locator('.participants summary').click();
    await customerRow.getByRole('button', { name: /^Mute / }).click();
    await eventually(() => customerRow.innerText()).toContain('muted');
    await eventually(timelineText).toMatch(/muted/);
    // The customer's page shows the muting itself, before they write anything.
    await eventually(() => customer.locator('#rw-muted').isVisible()).toBe(true);
    expect(await customer.locator('#rw-muted').innerText()).toContain('paused your messages');
    const shownBefore = (await chatTexts()).length;
    await customerSays('Can anyone hear me?');
    // The page hears back that its message was stored blocked: it is not shown as a message.
    await until(() => frames.some((frame) => frame.includes('"ack"') && frame.includes('"blocked"')), 'the blocked acknowledgement');
    expect((await chatTexts()).length).toBe(shownBefore);
    // ...and tells the customer so, in an alert a screen reader announces.
    await eventually(() => customer.getByRole('alert').innerText()).toContain('not delivered: an agent has paused your messages');
    await customerRow.getByRole('button', { name: /^Unmute / }).click();
    await eventually(() => customerRow.innerText()).not.toContain('muted');
    await eventually(() => customer.locator('#rw-muted').isVisible()).toBe(false);
    await customerSays('And now?');
    await eventually(timelineText).toContain('And now?');
    expect(await timelineText()).not.toContain('Can anyone hear me?');
  });

  it('assigns the room to the agent: the Mine filter lists it, Unassigned no longer does', async () => {
    await agent.click('#assign');
    await eventually(() => agent.locator('#room-meta').innerText()).toContain('assigned to ana');
    await agent.click('[data-filter="mine"]');
    await eventually(() => roomButton().count()).toBe(1);
    await agent.click('[data-filter="unassigned"]');
    await eventually(() => roomButton().count()).toBe(0);
    await agent.click('[data-filter="open"]');
    await roomButton().waitFor();
  });

  it('closes the room (the chat page learns it has ended) and reopens it', async () => {
    await agent.click('#state');
    await eventually(() => agent.locator('#room-meta').innerText()).toMatch(/^closed/);
    await customerSays('Hello again?');
    await customer.locator('#rw-ended').waitFor();
    await agent.click('[data-filter="closed"]');
    await roomButton().click();
    await agent.click('#state');
    await eventually(() => agent.locator('#room-meta').innerText()).toMatch(/^active/);
    await agent.click('[data-filter="open"]');
    await roomButton().waitFor();
    expect(await timelineText()).not.toContain('Hello again?');
  });

  it('renders both pages at 1280 px and 360 px, with no page error', async () => {
    for (const width of [1280, 360]) {
      for (const [name, page] of [['chat', customer], ['inbox', agent]] as const) {
        await page.setViewportSize({ width, height: width === 360 ? 740 : 800 });
        await page.screenshot({ path: path.join(screenshots, `support-desk-${name}-${width}.png`) });
        // Nothing wider than the screen: usable without scrolling sideways.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      }
    }
    expect(pageErrors).toEqual([]);
  });
});
