// Engine scenarios of DESIGN.md section 15: one inbound text message into a room with three
// bindings (fan-out to two), SQLite on disk, durable commits (synchronous=FULL, WAL).
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Engine, FlowProvider, SqliteStore } = require('../runtime/dist');
const { percentile, peakRss, settledMemory, summary, cpuNow, cpuPerMessage, sendFirstMessage } = require('./measure');

/** `onCommit`, when given, sees every write set the engine hands to its store. */
async function openBenchEngine({ onCommit } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-bench-'));
  const store = new SqliteStore(join(dir, 'bench.sqlite'));
  if (onCommit) {
    const commit = store.commit.bind(store);
    store.commit = (writes) => {
      onCommit(writes);
      return commit(writes);
    };
  }
  const engine = await Engine.open({ store });
  const customer = new FlowProvider();
  const staff = new FlowProvider();
  await engine.registerChannel({ id: 'customer', type: 'webhook', provider: customer });
  await engine.registerChannel({ id: 'staff', type: 'flow', provider: staff });
  let delivered = 0;
  staff.listen(() => delivered++);
  return {
    engine,
    staff,
    get delivered() {
      return delivered;
    },
    async createRoom() {
      const { room, bindings } = await engine.call('createRoom', {
        bindings: [
          { channelId: 'customer', address: `+1555${Math.floor(Math.random() * 1e7)}` },
          { channelId: 'staff', address: 'agent' },
          { channelId: 'staff', address: 'ai', audience: 'internal' },
        ],
      });
      return { roomId: room.id, senderId: bindings[0].id };
    },
    async close() {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function message(room, i) {
  return { roomId: room.roomId, bindingId: room.senderId, content: { type: 'text', text: `message ${i}` } };
}

/** Offers `total` messages with at most `window` in flight; throughput counts commits and deliveries. */
async function throughput(scenario, roomCount, total, window = 2000) {
  const bench = await openBenchEngine();
  const rooms = [];
  for (let i = 0; i < roomCount; i++) rooms.push(await bench.createRoom());
  await sendFirstMessage(bench.engine, rooms[0].roomId, rooms[0].senderId);
  const deliveredBefore = bench.delivered;
  const latencies = new Float64Array(total);
  let next = 0;
  const cpuAtStart = cpuNow();
  const started = process.hrtime.bigint();
  async function worker() {
    while (next < total) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      await bench.engine.call('sendEvent', message(rooms[i % roomCount], i));
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  }
  await Promise.all(Array.from({ length: Math.min(window, total) }, worker));
  await bench.engine.idle();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result = {
    ...summary(scenario, total, seconds, latencies),
    ...cpuPerMessage(cpuAtStart, cpuNow(), total),
    rooms: roomCount,
    deliveries: bench.delivered - deliveredBefore,
  };
  await bench.close();
  return result;
}

const growthPct = (from, to) => Math.round((to / from - 1) * 1000) / 10;

/**
 * Offers `total` messages, `send(i)` for each, with at most `window` in flight. At each count in
 * `pauseAt` offering stops until every message before it has completed and the engine is idle;
 * then `atPause(count)` runs (a memory sample: taken mid-flight it counted whatever the window and
 * the writer held at that instant). `seconds` leaves the pauses out.
 */
async function offerWithPauses(engine, total, window, pauseAt, atPause, send) {
  const pauses = new Set(pauseAt);
  let next = 0;
  let completed = 0;
  let paused = null;
  let drained = null;
  let pausedNs = 0n;
  async function pause(count) {
    const t0 = process.hrtime.bigint();
    if (completed < count) await new Promise((resolve) => (drained = { count, resolve }));
    drained = null;
    await engine.idle();
    await atPause(count);
    pausedNs += process.hrtime.bigint() - t0;
  }
  async function worker() {
    while (next < total) {
      if (paused) {
        await paused;
        continue;
      }
      if (pauses.delete(next)) {
        paused = pause(next).finally(() => (paused = null));
        continue;
      }
      const i = next++;
      await send(i);
      if (++completed === drained?.count) drained.resolve();
    }
  }
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(window, total) }, worker));
  await engine.idle();
  const ended = process.hrtime.bigint();
  if (pauses.delete(total)) await pause(total);
  return { seconds: Number(ended - started - pausedNs) / 1e9 };
}

/**
 * Keyed writes (each with its own idempotency key) spread over many rooms: the keys remembered in
 * memory have one bound over all rooms, so memory must stay flat. RSS and the heap in use are
 * sampled (settled, see `offerWithPauses`) once `checkpoint` writes have completed and at the end.
 */
async function keyedRooms(scenario, roomCount, total, checkpoint, window = 2000) {
  const bench = await openBenchEngine();
  const rooms = [];
  while (rooms.length < roomCount) {
    rooms.push(...(await Promise.all(Array.from({ length: Math.min(500, roomCount - rooms.length) }, () => bench.createRoom()))));
  }
  await sendFirstMessage(bench.engine, rooms[0].roomId, rooms[0].senderId);
  const deliveredBefore = bench.delivered;
  const latencies = new Float64Array(total);
  let atCheckpoint = null;
  const { seconds } = await offerWithPauses(bench.engine, total, window, [checkpoint], async () => {
    atCheckpoint = await settledMemory();
  }, async (i) => {
    const t0 = process.hrtime.bigint();
    await bench.engine.call('sendEvent', { ...message(rooms[i % roomCount], i), idempotencyKey: `key-${i}` });
    latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  });
  const atEnd = await settledMemory();
  const result = {
    ...summary(scenario, total, seconds, latencies),
    rooms: roomCount,
    deliveries: bench.delivered - deliveredBefore,
    rssCheckpointWrites: checkpoint,
    rssAtCheckpointMb: atCheckpoint.rssMb,
    rssAtEndMb: atEnd.rssMb,
    rssGrowthPct: growthPct(atCheckpoint.rssMb, atEnd.rssMb),
    heapAtCheckpointMb: atCheckpoint.heapMb,
    heapAtEndMb: atEnd.heapMb,
    heapGrowthPct: growthPct(atCheckpoint.heapMb, atEnd.heapMb),
  };
  await bench.close();
  return result;
}

/**
 * Memory over a long run: `total` messages into one room (the engine-1room shape), resident set
 * size sampled (settled, see `offerWithPauses`) every `every` messages. The target compares the
 * last sample with the one at 200,000 messages (after warm-up: caches filled, JIT settled).
 */
async function longRun(scenario, total, every, window = 2000) {
  const bench = await openBenchEngine();
  const room = await bench.createRoom();
  await sendFirstMessage(bench.engine, room.roomId, room.senderId);
  const deliveredBefore = bench.delivered;
  const samples = [];
  const sampleAt = Array.from({ length: Math.floor(total / every) }, (_, k) => (k + 1) * every);
  const cpuAtStart = cpuNow();
  const { seconds } = await offerWithPauses(bench.engine, total, window, sampleAt, async (completed) => {
    samples.push({ messages: completed, rssMb: (await settledMemory()).rssMb });
  }, (i) => bench.engine.call('sendEvent', message(room, i)));
  const rss = samples.map((s) => s.rssMb);
  const at200k = samples.find((s) => s.messages === 200_000)?.rssMb ?? null;
  const last = rss[rss.length - 1] ?? null;
  const result = {
    scenario,
    msgsPerSec: Math.round(total / seconds),
    messages: total,
    ...cpuPerMessage(cpuAtStart, cpuNow(), total),
    deliveries: bench.delivered - deliveredBefore,
    rssFirstMb: rss[0] ?? null,
    rssAt200kMb: at200k,
    rssLastMb: last,
    rssPeakSampleMb: rss.length > 0 ? Math.max(...rss) : null,
    peakRssMb: peakRss(),
    lastVsAt200kPct: at200k && last ? growthPct(at200k, last) : null,
    rssSamplesMb: rss,
  };
  await bench.close();
  return result;
}

/**
 * Latency at a fixed offered rate. DESIGN.md budgets commit-to-delivery: from the moment the event
 * is durable (the engine announces it right after its commit) until both targets have received
 * it. The time from offering a message to its durable commit is reported beside it.
 *
 * The first `warmupSeconds` at the same rate are not measured: they hold the engine's start (code
 * compiled as it is first used, statements prepared, the WAL file growing to its working size),
 * which at 1,000 msg/s put most of a 10 s run's commits over 10 ms into its first three seconds.
 */
async function latencyAtRate(scenario, rate, seconds, warmupSeconds) {
  const bench = await openBenchEngine();
  const room = await bench.createRoom();
  const warmup = rate * warmupSeconds;
  const total = rate * seconds;
  const commitToDelivery = new Float64Array(total);
  const offerToCommit = new Float64Array(total);
  const pending = new Map();
  bench.engine.subscribe((n) => {
    const entry = n.kind === 'event' && pending.get(n.event.correlationId);
    if (entry) entry.committedAt = process.hrtime.bigint();
  });
  bench.staff.listen((delivery) => {
    const entry = pending.get(delivery.event.correlationId);
    if (!entry || --entry.remaining > 0) return;
    pending.delete(delivery.event.correlationId);
    if (entry.i < 0) return;
    commitToDelivery[entry.i] = Number(process.hrtime.bigint() - entry.committedAt) / 1e6;
    offerToCommit[entry.i] = Number(entry.committedAt - entry.offeredAt) / 1e6;
  });
  const intervalNs = BigInt(Math.round(1e9 / rate));
  const sends = [];
  // Negative i: the warm-up's messages. All are offered one interval apart from `begun`.
  const begun = process.hrtime.bigint();
  let started = begun;
  for (let i = -warmup; i < total; i++) {
    const due = begun + intervalNs * BigInt(i + warmup);
    while (process.hrtime.bigint() < due) await new Promise((r) => setImmediate(r));
    if (i === 0) started = process.hrtime.bigint();
    const correlationId = `m${i}`;
    pending.set(correlationId, { i, offeredAt: process.hrtime.bigint(), committedAt: 0n, remaining: 2 });
    sends.push(bench.engine.call('sendEvent', { ...message(room, i), correlationId }));
  }
  await Promise.all(sends);
  await bench.engine.idle();
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const result = {
    scenario,
    msgsPerSec: Math.round(total / elapsed),
    p50Ms: percentile(commitToDelivery, 0.5),
    p99Ms: percentile(commitToDelivery, 0.99),
    peakRssMb: peakRss(),
    offeredPerSec: rate,
    messages: total,
    warmupSeconds,
    offerToCommitP50Ms: percentile(offerToCommit, 0.5),
    offerToCommitP99Ms: percentile(offerToCommit, 0.99),
  };
  await bench.close();
  return result;
}

module.exports = { throughput, keyedRooms, longRun, latencyAtRate, openBenchEngine, message };
