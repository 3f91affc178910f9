// Web chat across a restart of Node-RED (issue 11): a visitor's token keeps opening its chat after
// Node-RED stops and starts again on the same user directory (the signing key is kept there), and
// the page resumes from the last index it saw with no gap and no duplicate. Also: the WebSocket
// lives on Node-RED's own port under the HTTP node root, and upgrades for other paths (the
// editor's comms) still work beside it.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { deployFlows, startNodeRed, type NodeRed } from '../support/node-red';
import { ChatClient } from '../webchat/support';

const FLOW = [
  { id: 'tab', type: 'tab', label: 'web chat' },
  { id: 'chat-engine', type: 'roomwire-engine', name: 'chat engine', database: '${ROOMWIRE_DB}', maxChainDepth: 5, httpPrefix: '/roomwire', version: 1 },
  { id: 'chat-channel', type: 'roomwire-channel', engine: 'chat-engine', name: 'support chat', channelId: 'support-chat', channelType: 'webchat', provider: 'webchat', version: 1 },
];

let dataDir: string | undefined;
let nodeRed: NodeRed | undefined;

afterAll(async () => {
  await nodeRed?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const wsUrl = (n: NodeRed, token: string) => `${n.httpNodeUrl.replace('http', 'ws')}roomwire/chat/ws?channel=support-chat&token=${encodeURIComponent(token)}`;

async function say(client: ChatClient, text: string): Promise<void> {
  const clientId = `c${Math.random().toString(36).slice(2)}`;
  client.send({ type: 'send', content: { type: 'text', text }, clientId });
  await client.next('ack', (f) => f.clientId === clientId);
}

describe('web chat on a real Node-RED', () => {
  it('a token keeps opening its chat across a restart, and the page resumes without gap or duplicate', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'roomwire-webchat-'));
    nodeRed = await startNodeRed({ dataDir, flows: FLOW });
    const started = await fetch(`${nodeRed.httpNodeUrl}roomwire/chat/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'support-chat' }),
    });
    expect(started.status).toBe(200);
    const { token } = (await started.json()) as { token: string };
    expect((await stat(path.join(dataDir, 'node-red', 'roomwire-chat.key'))).mode & 0o777).toBe(0o600);

    // The editor's own WebSocket (comms) still upgrades beside ours.
    const comms = new WebSocket(`${nodeRed.baseUrl.replace('http', 'ws')}comms`);
    await new Promise((resolve, reject) => {
      comms.once('open', resolve);
      comms.once('error', reject);
    });
    comms.close();

    const first = await ChatClient.connect(wsUrl(nodeRed, token));
    await first.hello();
    await say(first, 'before the restart 1');
    await say(first, 'before the restart 2');
    await first.next('event', (f) => f.event.content.text === 'before the restart 2');
    const seen = Math.max(...first.events().map((e) => e.index));

    await nodeRed.stop();
    nodeRed = await startNodeRed({ dataDir });
    const second = await ChatClient.connect(wsUrl(nodeRed, token));
    second.send({ type: 'hello', since: seen });
    await second.next('ready');
    expect(second.events()).toEqual([]);
    await say(second, 'after the restart');
    await second.next('event', (f) => f.event.content.text === 'after the restart');

    // A page that reloads reads the whole chat once, in order.
    const reloaded = await ChatClient.connect(wsUrl(nodeRed, token));
    await reloaded.hello();
    const texts = reloaded.events().map((e) => e.content.text);
    expect(texts).toEqual(['before the restart 1', 'before the restart 2', 'after the restart']);
    const indexes = reloaded.events().map((e) => e.index);
    expect([...indexes].sort((a, b) => a - b)).toEqual(indexes);
    expect(new Set(indexes).size).toBe(indexes.length);
    second.close();
    reloaded.close();
  });

  it('a full redeploy closes the channel cleanly: no warning, the engine reopens, and the chat goes on', async () => {
    nodeRed ??= await startNodeRed({ flows: FLOW });
    const started = await fetch(`${nodeRed.httpNodeUrl}roomwire/chat/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'support-chat' }),
    });
    const { token } = (await started.json()) as { token: string };
    const page = await ChatClient.connect(wsUrl(nodeRed, token));
    await page.hello();
    await say(page, 'before the redeploy');
    const logsBefore = nodeRed.logs().length;

    await deployFlows(nodeRed, FLOW);
    expect(nodeRed.logs().slice(logsBefore)).not.toMatch(/closing channel|\[warn\]|\[error\]/);
    // The open page was told the channel restarted; a new connection resumes on the new engine.
    const again = await ChatClient.connect(wsUrl(nodeRed, token));
    await again.hello();
    await say(again, 'after the redeploy');
    await again.next('event', (f) => f.event.content.text === 'after the redeploy');
    expect(again.events().map((e) => e.content.text)).toEqual(['before the redeploy', 'after the redeploy']);
    page.close();
    again.close();
  });
});
