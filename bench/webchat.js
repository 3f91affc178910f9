// Web chat fan-out (issue 11): N WebSocket clients (real `ws` clients on 127.0.0.1) in rooms of
// three web chat visitors, against the engine (SQLite on disk, durable commits) and its web chat
// endpoint on a plain HTTP server, exactly as Node-RED mounts it. Each message goes client →
// WebSocket → engine → the two other clients of its room.
//
// Closed loop: every client sends its next message once both others have received its previous
// one, so the load follows what the system sustains. Latency is per receipt, from the moment the
// sender handed the frame to its socket to the moment the other client parsed it; messages/s
// counts messages sent and received by both others.
'use strict';
const http = require('node:http');
const { once } = require('node:events');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const WebSocket = require('ws');
const { Engine, ChatServer, RateLimiter, WebchatProvider } = require('../runtime/dist');
const { summary } = require('./measure');

const PER_ROOM = 3;
const FANOUT = PER_ROOM - 1;

function connect(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function run(scenario, clients, total) {
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-bench-'));
  const engine = await Engine.open({ databasePath: join(dir, 'bench.sqlite'), chatTokenSecret: 'bench' });
  await engine.registerChannel({ id: 'chat', type: 'webchat', provider: new WebchatProvider(() => engine.chatHub, 'chat') });
  const endpoint = { engine: async () => engine, settings: { channelId: 'chat' }, origins: ['*'], startLimiter: new RateLimiter(1, 60_000) };
  const chat = new ChatServer((id) => (id === 'chat' ? endpoint : undefined));
  const server = http.createServer((_req, res) => res.end());
  server.on('upgrade', (req, socket, head) => chat.handleUpgrade(req, socket, head));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `ws://127.0.0.1:${server.address().port}/roomwire/chat/ws?channel=chat&token=`;

  const tokens = [];
  for (let r = 0; r < Math.ceil(clients / PER_ROOM); r++) {
    const { bindings } = await engine.call('createRoom', {
      bindings: Array.from({ length: PER_ROOM }, (_, i) => ({ channelId: 'chat', address: `bench-${r}-${i}` })),
    });
    for (const binding of bindings) tokens.push((await engine.call('issueChatToken', { bindingId: binding.id })).token);
  }

  /** message text → { sentAt, arrivals, done } */
  const pending = new Map();
  const warmup = Math.min(1000, Math.floor(total / 10));
  const latencies = [];
  let sent = 0;
  let started = 0n;

  const sockets = [];
  for (let i = 0; i < tokens.length; i += 100) {
    sockets.push(...(await Promise.all(tokens.slice(i, i + 100).map((token) => connect(base + encodeURIComponent(token))))));
  }
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          ws.on('message', (data) => {
            const frame = JSON.parse(data.toString());
            if (frame.type === 'ready') resolve();
            // Live events come one per frame; a gap filled from the store comes as a history frame.
            const events = frame.type === 'event' ? [frame.event] : frame.type === 'history' ? frame.events : [];
            for (const event of events) {
              const entry = !event.from.own && pending.get(event.content.text);
              if (!entry) continue;
              if (entry.measured) latencies.push(Number(process.hrtime.bigint() - entry.sentAt) / 1e6);
              if (++entry.arrivals === FANOUT) {
                pending.delete(event.content.text);
                entry.done();
              }
            }
          });
          ws.send(JSON.stringify({ type: 'hello' }));
        }),
    ),
  );

  const measuredTotal = total;
  const loop = async (ws, c) => {
    for (let seq = 0; sent < warmup + measuredTotal; seq++) {
      const number = sent++;
      if (number === warmup) started = process.hrtime.bigint();
      const text = `${c}:${seq}`;
      const arrived = new Promise((resolve) => pending.set(text, { sentAt: process.hrtime.bigint(), arrivals: 0, measured: number >= warmup, done: resolve }));
      ws.send(JSON.stringify({ type: 'send', content: { type: 'text', text } }));
      await arrived;
    }
  };
  await Promise.all(sockets.map((ws, c) => loop(ws, c)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  for (const ws of sockets) ws.terminate();
  chat.close();
  server.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
  return { ...summary(scenario, measuredTotal, seconds, latencies), clients: sockets.length, rooms: sockets.length / PER_ROOM, fanout: FANOUT };
}

module.exports = { run };
