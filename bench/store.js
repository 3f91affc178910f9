// The store alone: what SQLite can commit when nothing else wants the machine. The engine-1room
// workload runs once while every write set the engine hands its store is kept; those write sets
// are then committed, in the order the engine made them and with as many in flight as the engine
// had callers, to a fresh store of their own. The engine's throughput can come close to this
// line but not pass it: the difference is what the engine's own work (and its garbage) costs the
// writer, sharing the machine's cores.
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { SqliteStore } = require('../runtime/dist');
const { openBenchEngine, message } = require('./engine');
const { summary, cpuNow, cpuPerMessage, bytesWritten } = require('./measure');

const WINDOW = 2000;

/** The write sets of `total` engine-1room messages, as JSON (the engine changes some objects it handed over). */
async function recordWrites(total) {
  const recorded = [];
  const bench = await openBenchEngine({ onCommit: (writes) => recorded.push(JSON.stringify(writes)) });
  const room = await bench.createRoom();
  let next = 0;
  async function caller() {
    while (next < total) {
      const i = next++;
      await bench.engine.call('sendEvent', message(room, i));
    }
  }
  await Promise.all(Array.from({ length: WINDOW }, caller));
  await bench.engine.idle();
  await bench.close();
  return recorded.map((json) => JSON.parse(json));
}

function isMessageWrite(writes) {
  return (writes.events ?? []).some((event) => event.type === 'message');
}

/**
 * Commits recorded write sets to a fresh store, `keep` deciding which of each message's rows go
 * (the set-up before the first message always goes whole). Returns the time and CPU of the
 * message part only.
 */
async function replay(writes, keep = (set) => set) {
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-bench-store-'));
  const store = new SqliteStore(join(dir, 'bench.sqlite'));
  await store.open();
  // The channels, the room and its bindings first, one at a time, as the engine wrote them.
  let next = 0;
  while (next < writes.length && !isMessageWrite(writes[next])) await store.commit(writes[next++]);
  const first = next;
  const latencies = new Float64Array(writes.length - first);
  const writtenAtStart = bytesWritten();
  const cpuAtStart = cpuNow();
  const started = process.hrtime.bigint();
  async function committer() {
    while (next < writes.length) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      await store.commit(keep(writes[i]));
      latencies[i - first] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  }
  await Promise.all(Array.from({ length: WINDOW }, committer));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAtEnd = cpuNow();
  const written = writtenAtStart === null ? null : bytesWritten() - writtenAtStart;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { seconds, latencies, cpuAtStart, cpuAtEnd, written, writeSets: writes.length - first };
}

async function run(scenario, total) {
  const replayed = await replay(await recordWrites(total));
  return {
    ...summary(scenario, total, replayed.seconds, replayed.latencies),
    ...cpuPerMessage(replayed.cpuAtStart, replayed.cpuAtEnd, total),
    writeSets: replayed.writeSets,
  };
}

module.exports = { run, recordWrites, replay };
