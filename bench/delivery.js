// Delivery scenario of DESIGN.md section 15, end to end: events committed to SQLite on disk
// (durable commits) and delivered through the webhook provider to a real HTTP receiver on
// 127.0.0.1 (a plain `http.createServer` in this process, keep-alive connections). Rooms have the
// section 15 shape: three bindings, a writer and two webhook participants (fan-out to two).
//
// Closed loop: `window` writers each send a message to their own room and wait until the
// receiver has both of its deliveries before sending the next, so the queue stays bounded and the
// latency is what a message meets at that throughput. Latency is measured per delivery from the
// moment the commit is durable (`sendEvent` resolved) to the moment the receiver has the request.
'use strict';
const http = require('node:http');
const { once } = require('node:events');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Engine, FlowProvider, createWebhookProvider } = require('../runtime/dist');
const { percentile, peakRss } = require('./measure');

const FANOUT = 2;

async function startReceiver(onDelivery) {
  const server = http.createServer((req, res) => {
    const arrivedAt = process.hrtime.bigint();
    // Idempotency-Key: `<eventId>:<bindingId>`; the body is read but not needed.
    const key = req.headers['idempotency-key'];
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
      onDelivery(String(key).split(':')[0], arrivedAt);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

/**
 * @param {string} scenario
 * @param {number} total messages measured (after `warmup` unmeasured ones)
 * @param {{ window?: number, maxConcurrency?: number, warmup?: number }} options
 */
async function run(scenario, total, options = {}) {
  const window = options.window ?? 64;
  const maxConcurrency = options.maxConcurrency ?? 16;
  const warmup = options.warmup ?? Math.min(2000, Math.floor(total / 10));
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-bench-'));
  /** eventId → what the writer waits for. */
  const pending = new Map();
  const latencies = new Float64Array(total * FANOUT);
  let measured = 0;

  /** Arrivals for an event whose writer has not registered it yet (not expected; never lost). */
  const early = new Map();
  const arrive = (entry, arrivedAt) => {
    entry.arrivals.push(arrivedAt);
    if (entry.arrivals.length === FANOUT) entry.done();
  };
  const receiver = await startReceiver((eventId, arrivedAt) => {
    const entry = pending.get(eventId);
    if (entry) arrive(entry, arrivedAt);
    else early.set(eventId, [...(early.get(eventId) ?? []), arrivedAt]);
  });
  const engine = await Engine.open({ databasePath: join(dir, 'bench.sqlite') });
  await engine.registerChannel({ id: 'staff', type: 'flow', provider: new FlowProvider() });
  await engine.registerChannel({
    id: 'customer',
    type: 'webhook',
    provider: createWebhookProvider({ outboundUrl: `${receiver.url}in/{address}`, timeoutMs: 10_000 }),
    maxConcurrency,
  });
  const rooms = [];
  for (let i = 0; i < window; i++) {
    const { room, bindings } = await engine.call('createRoom', {
      bindings: [
        { channelId: 'staff', address: 'agent' },
        { channelId: 'customer', address: `+1555${String(i).padStart(7, '0')}` },
        { channelId: 'customer', address: `observer-${i}` },
      ],
    });
    rooms.push({ roomId: room.id, senderId: bindings[0].id });
  }

  let next = 0;
  const sendOne = async (room, i, measure) => {
    let done;
    const delivered = new Promise((resolve) => (done = resolve));
    const entry = { arrivals: [], done, committedAt: 0n };
    const { event } = await engine.call('sendEvent', { roomId: room.roomId, bindingId: room.senderId, content: { type: 'text', text: `message ${i}` } });
    entry.committedAt = process.hrtime.bigint();
    pending.set(event.id, entry);
    for (const arrivedAt of early.get(event.id) ?? []) arrive(entry, arrivedAt);
    early.delete(event.id);
    await delivered;
    pending.delete(event.id);
    if (measure) {
      for (const arrivedAt of entry.arrivals) {
        latencies[measured++] = Math.max(0, Number(arrivedAt - entry.committedAt)) / 1e6;
      }
    }
  };
  async function writer(room, limit, measure) {
    while (next < limit) await sendOne(room, next++, measure);
  }

  await Promise.all(rooms.map((room) => writer(room, warmup, false)));
  next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(rooms.map((room) => writer(room, total, true)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await engine.idle();

  const result = {
    scenario,
    msgsPerSec: Math.round(total / seconds),
    deliveriesPerSec: Math.round((total * FANOUT) / seconds),
    p50Ms: percentile(latencies.subarray(0, measured), 0.5),
    p99Ms: percentile(latencies.subarray(0, measured), 0.99),
    peakRssMb: peakRss(),
    messages: total,
    rooms: window,
    fanout: FANOUT,
    maxConcurrency,
  };
  await engine.close();
  receiver.server.close();
  receiver.server.closeAllConnections();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

module.exports = { run };
