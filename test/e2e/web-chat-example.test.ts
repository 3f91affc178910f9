// flows/web-chat.json in a real Node-RED: a visitor who starts a chat and says anything gets the
// bot's menu (buttons), and a click on a button (its postback) gets that button's answer.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeRed, type NodeRed } from '../support/node-red';
import { ChatClient } from '../webchat/support';

const FLOW_FILE = fileURLToPath(new URL('../../flows/web-chat.json', import.meta.url));

let nodeRed: NodeRed;

beforeAll(async () => {
  nodeRed = await startNodeRed({ flows: JSON.parse(await readFile(FLOW_FILE, 'utf8')) });
});

afterAll(async () => {
  await nodeRed?.stop();
});

describe('flows/web-chat.json', () => {
  it('answers any text with the menu, and each button postback with its answer', async () => {
    const page = await fetch(`${nodeRed.httpNodeUrl}roomwire/chat?channel=web-chat`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const started = await fetch(`${nodeRed.httpNodeUrl}roomwire/chat/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'web-chat' }),
    });
    const { token } = (await started.json()) as { token: string };
    const client = await ChatClient.connect(`${nodeRed.httpNodeUrl.replace('http', 'ws')}roomwire/chat/ws?channel=web-chat&token=${encodeURIComponent(token)}`);
    await client.hello();

    client.send({ type: 'send', content: { type: 'text', text: 'hello' }, clientId: 'hello' });
    const menu = (await client.next('event', (f) => f.event.content.type === 'rich' && /demo bot/.test(f.event.content.text))).event;
    expect(menu.from.own).toBe(false);
    expect(menu.content.buttons.map((b: { postback: string }) => b.postback)).toEqual(['TRACK', 'HOURS']);

    client.send({ type: 'reply', eventId: menu.id, postback: 'TRACK', clientId: 'track' });
    const answer = (await client.next('event', (f) => /Order #1042/.test(f.event.content.text ?? ''))).event;
    expect(answer.content.cards[0].title).toBe('Trail running shoes');
    client.send({ type: 'reply', eventId: menu.id, postback: 'HOURS', clientId: 'hours' });
    expect((await client.next('event', (f) => f.event.content.type === 'location')).event.content.label).toMatch(/Mon-Sat/);
    client.close();
  });
});
