// Chats started per client address (DESIGN.md section 14, rate limits): behind a reverse proxy every
// request comes from the proxy, so the limit counts the client the proxy names once Node-RED's
// Express app trusts it (`httpServerOptions: { 'trust proxy': … }`), and never a header alone.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { RateLimiter, createChatStartHandler, type ChatEndpoint } from '../../runtime/src';
import { startChatHarness, type ChatHarness } from './support';

let harness: ChatHarness | undefined;
const servers: import('node:http').Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) server.close();
  await harness?.close();
  harness = undefined;
});

/** The start route on an Express app, one chat per client address and minute. */
async function startRoute(trustProxy: boolean): Promise<(client: string) => Promise<number>> {
  const engine = harness!.engine;
  const endpoint: ChatEndpoint = {
    engine: async () => engine,
    settings: { channelId: 'chat', timers: { inactiveAfter: 'PT30M', closedAfter: 'PT24H' }, participants: [] },
    origins: ['*'],
    startLimiter: new RateLimiter(1, 60_000),
  };
  const app = express();
  if (trustProxy) app.set('trust proxy', true);
  const start = createChatStartHandler(() => endpoint);
  app.post('/chat/start', (req, res) => void start(req, res));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/chat/start`;
  return async (client) =>
    (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': client }, body: JSON.stringify({ channel: 'chat' }) })).status;
}

describe('chat starts behind a reverse proxy', () => {
  it('are counted per forwarded client once the app trusts the proxy, and per connection otherwise', async () => {
    harness = await startChatHarness();
    const trusted = await startRoute(true);
    expect([await trusted('203.0.113.1'), await trusted('203.0.113.1'), await trusted('203.0.113.2')]).toEqual([200, 429, 200]);
    // Not trusted: the header is anyone's to write, so every request counts against the peer.
    const untrusted = await startRoute(false);
    expect([await untrusted('203.0.113.1'), await untrusted('203.0.113.2')]).toEqual([200, 429]);
  });
});
