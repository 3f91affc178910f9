// What each kind of row an engine-1room message writes costs: the same recorded write sets
// committed again, to fresh stores, with only some of their tables kept. CPU time is the whole
// process's (SQLite runs on libuv's threads; the main thread encodes and hands over the rows), per
// row of the kind handed to the store. A status change is measured as what it adds to the
// deliveries it changes; a room handed over by many write sets of one transaction is written once,
// so its cost per row handed over is small. `trivial` takes the same path (one JSON array per
// chunk, transactions of 4,000) for rows of one short text column: what "rows per second" means
// for rows that cost SQLite nothing to take apart, store or index.
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const sqlite3 = require('sqlite3');
const { recordWrites, replay } = require('./store');
const { cpuNow } = require('./measure');

const only = (...tables) => (set) => {
  const kept = {};
  for (const [key, value] of Object.entries(set)) if (!Array.isArray(value) || tables.includes(key)) kept[key] = value;
  return kept;
};

function rowsIn(writes, table) {
  return writes.reduce((sum, set) => sum + (set[table]?.length ?? 0), 0);
}

async function cpuUs(writes, keep) {
  const { cpuAtStart, cpuAtEnd, seconds, written } = await replay(writes, keep);
  return { processUs: cpuAtEnd.processUs - cpuAtStart.processUs, mainUs: cpuAtEnd.mainUs === null ? null : cpuAtEnd.mainUs - cpuAtStart.mainUs, seconds, written };
}

/** Microseconds per message or per row, to a tenth. */
const perUnit = (us, count) => Math.round((us / count) * 10) / 10;

async function run(scenario, total) {
  const writes = await recordWrites(total);
  const all = await cpuUs(writes);
  const events = await cpuUs(writes, only('events'));
  const rooms = await cpuUs(writes, only('rooms'));
  const deliveries = await cpuUs(writes, only('deliveries'));
  const withStatuses = await cpuUs(writes, only('deliveries', 'deliveryStatuses'));
  const trivial = await trivialRows(rowsIn(writes, 'deliveries'));
  const rows = { events: rowsIn(writes, 'events'), rooms: rowsIn(writes, 'rooms'), deliveries: rowsIn(writes, 'deliveries'), deliveryStatuses: rowsIn(writes, 'deliveryStatuses') };
  return {
    scenario,
    messages: total,
    msgsPerSec: Math.round(total / all.seconds),
    rowsPerMessage: Object.fromEntries(Object.entries(rows).map(([table, count]) => [table, Math.round((count / total) * 100) / 100])),
    processCpuUsPerMsg: perUnit(all.processUs, total),
    offMainCpuUsPerMsg: all.mainUs === null ? null : perUnit(all.processUs - all.mainUs, total),
    writtenKbPerMsg: all.written === null ? null : Math.round((all.written / 1024 / total) * 10) / 10,
    cpuUsPerRow: {
      events: perUnit(events.processUs, rows.events),
      rooms: perUnit(rooms.processUs, rows.rooms),
      deliveries: perUnit(deliveries.processUs, rows.deliveries),
      deliveryStatuses: perUnit(withStatuses.processUs - deliveries.processUs, rows.deliveryStatuses),
      trivial: perUnit(trivial.processUs, trivial.rows),
    },
    trivialRowsPerSec: Math.round(trivial.rows / trivial.seconds),
  };
}

/** `count` rows of one id column, written as the store writes its tables: chunks of JSON, transactions of 4,000. */
async function trivialRows(count) {
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-bench-rows-'));
  const db = new sqlite3.Database(join(dir, 'rows.sqlite'));
  const run = (sql, params = []) => new Promise((resolve, reject) => db.run(sql, params, (error) => (error ? reject(error) : resolve())));
  await new Promise((resolve, reject) => db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (id TEXT PRIMARY KEY);', (e) => (e ? reject(e) : resolve())));
  const insert = db.prepare('INSERT INTO t (id) SELECT value FROM json_each(?)');
  const ids = Array.from({ length: count }, (_, i) => `dlv_${String(i).padStart(24, '0')}`);
  const cpuAtStart = cpuNow();
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i += 4000) {
    await run('BEGIN IMMEDIATE');
    const chunks = [];
    for (let j = i; j < Math.min(i + 4000, count); j += 128) {
      const chunk = JSON.stringify(ids.slice(j, Math.min(j + 128, i + 4000)));
      chunks.push(new Promise((resolve, reject) => insert.run([chunk], (error) => (error ? reject(error) : resolve()))));
    }
    await Promise.all(chunks);
    await run('COMMIT');
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const processUs = cpuNow().processUs - cpuAtStart.processUs;
  await new Promise((resolve) => insert.finalize(resolve));
  await new Promise((resolve) => db.close(resolve));
  rmSync(dir, { recursive: true, force: true });
  return { rows: count, processUs, seconds };
}

module.exports = { run };
