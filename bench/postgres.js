// PostgreSQL scenarios: the `engine-1000rooms` workload (an inbound message into a room with three
// bindings, fan-out to two) on one database, from one engine process or three at once. Aggregate
// msg/s = all messages / the slowest process's elapsed time; p50/p99, peak RSS and CPU seconds per
// process; on Linux also the CPU seconds all PostgreSQL processes used over the run (the server
// is shared: other clients' work counts too) and the load average when it started.
// Needs ROOMWIRE_BENCH_POSTGRES_URL (default postgres://127.0.0.1:5432/test); works in a schema
// of its own, dropped afterwards.
'use strict';
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { cpus, loadavg, tmpdir, userInfo } = require('node:os');
const { join } = require('node:path');
const { Client } = require('pg');
const { Engine, FlowProvider, PostgresStore } = require('../runtime/dist');

const URL_ = process.env.ROOMWIRE_BENCH_POSTGRES_URL ?? 'postgres://127.0.0.1:5432/test';

function connectionString() {
  const url = new URL(URL_);
  if (!url.username && !process.env.PGUSER && !process.env.USER) url.username = userInfo().username;
  return url.toString();
}

async function createRooms(schema, count) {
  const engine = await Engine.open({ store: new PostgresStore({ connectionString: URL_, schema }) });
  await engine.registerChannel({ id: 'customer', type: 'webhook', provider: new FlowProvider() });
  await engine.registerChannel({ id: 'staff', type: 'flow', provider: new FlowProvider() });
  const rooms = [];
  for (let i = 0; i < count; i++) {
    const { room, bindings } = await engine.call('createRoom', {
      bindings: [
        { channelId: 'customer', address: `+1555${String(i).padStart(7, '0')}` },
        { channelId: 'staff', address: 'agent' },
        { channelId: 'staff', address: 'ai', audience: 'internal' },
      ],
    });
    rooms.push({ roomId: room.id, senderId: bindings[0].id });
  }
  await engine.close();
  return rooms;
}

/**
 * CPU seconds of every `postgres` process alive now, plus what the server's exited backends used
 * (the postmaster's children time); null where /proc is not there.
 */
function postgresCpuSeconds() {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      let stat;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== 'postgres') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime, cutime, cstime (fields 14-17 of proc(5), from the state field on: 11-14).
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    }
  } catch {
    return null;
  }
  return ticks / 100;
}

/** Rooms whose indexes are not exactly 0..latestIndex (must be 0: one gapless order per room). */
async function roomsWithGaps(schema) {
  const client = new Client({ connectionString: connectionString(), options: `-c search_path=${schema}` });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT count(*) AS n FROM rooms r WHERE r.latest_index + 1 <> (SELECT count(DISTINCT idx) FROM events e WHERE e.room_id = r.id)
         OR r.latest_index <> (SELECT coalesce(max(idx), -1) FROM events e WHERE e.room_id = r.id)`,
    );
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

function startWorker(schema, roomsFile, count, window, part) {
  const args = [join(__dirname, 'postgres-worker.js'), URL_, schema, roomsFile, String(count), String(window), part];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  const line = (test) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = output.split('\n').find(test);
        if (found) return resolve(found);
        if (child.exitCode !== null) return reject(new Error('a bench worker exited early'));
        setTimeout(check, 20);
      };
      check();
    });
  return { child, ready: () => line((l) => l === 'ready'), result: () => line((l) => l.startsWith('{')).then(JSON.parse) };
}

/** `sticky`: each process writes only its own share of the rooms, as behind a load balancer sticky by room. */
async function run(scenario, processes, total, { roomCount = 1000, window = 500, sticky = false } = {}) {
  const schema = `rw_bench_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-bench-pg-'));
  try {
    const roomsFile = join(dir, 'rooms.json');
    writeFileSync(roomsFile, JSON.stringify(await createRooms(schema, roomCount)));
    const load = Math.round(loadavg()[0] * 10) / 10;
    const workers = Array.from({ length: processes }, (_, k) =>
      startWorker(schema, roomsFile, Math.round(total / processes), Math.round(window / processes), sticky ? `${k}/${processes}` : '0/1'),
    );
    await Promise.all(workers.map((w) => w.ready()));
    const pgBefore = postgresCpuSeconds();
    for (const w of workers) w.child.stdin.end('go\n');
    const results = await Promise.all(workers.map((w) => w.result()));
    await Promise.all(workers.map((w) => (w.child.exitCode === null ? new Promise((resolve) => w.child.once('exit', resolve)) : null)));
    const pgAfter = postgresCpuSeconds();
    const seconds = Math.max(...results.map((r) => r.seconds));
    const gaps = await roomsWithGaps(schema);
    const engineCpu = results.reduce((sum, r) => sum + r.cpuSeconds, 0);
    const postgresCpu = pgBefore === null || pgAfter === null ? null : pgAfter - pgBefore;
    return {
      scenario,
      msgsPerSec: Math.round(total / seconds),
      p50Ms: Math.max(...results.map((r) => r.p50Ms)),
      p99Ms: Math.max(...results.map((r) => r.p99Ms)),
      peakRssMb: Math.max(...results.map((r) => r.peakRssMb)),
      engineCpuSeconds: Math.round(engineCpu * 10) / 10,
      postgresCpuSeconds: postgresCpu === null ? null : Math.round(postgresCpu * 10) / 10,
      // What limits the run: CPU per message on each side, and how many of the machine's cores
      // the engines and PostgreSQL used together while it ran.
      engineCpuUsPerMsg: Math.round((engineCpu / total) * 1e6),
      postgresCpuUsPerMsg: postgresCpu === null ? null : Math.round((postgresCpu / total) * 1e6),
      coresUsed: postgresCpu === null ? null : Math.round(((engineCpu + postgresCpu) / seconds) * 100) / 100,
      cores: cpus().length,
      loadAverageAtStart: load,
      messages: total,
      rooms: roomCount,
      sticky,
      roomsWithGaps: gaps,
      processes: results,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const admin = new Client({ connectionString: connectionString() });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

module.exports = { run };
