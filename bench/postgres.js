// PostgreSQL scenarios: the `engine-1000rooms` workload (an inbound message into a room with three
// bindings, fan-out to two) on one database, from one engine process or three at once. Aggregate
// msg/s = all messages / the slowest process's elapsed time; p50/p99 and peak RSS per process.
// Needs ROOMWIRE_BENCH_POSTGRES_URL (default postgres://127.0.0.1:5432/test); works in a schema
// of its own, dropped afterwards.
'use strict';
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir, userInfo } = require('node:os');
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

function startWorker(schema, roomsFile, count, window) {
  const child = spawn(process.execPath, [join(__dirname, 'postgres-worker.js'), URL_, schema, roomsFile, String(count), String(window)], { stdio: ['pipe', 'pipe', 'inherit'] });
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

async function run(scenario, processes, total, roomCount = 1000, window = 500) {
  const schema = `rw_bench_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-bench-pg-'));
  try {
    const roomsFile = join(dir, 'rooms.json');
    writeFileSync(roomsFile, JSON.stringify(await createRooms(schema, roomCount)));
    const workers = Array.from({ length: processes }, () => startWorker(schema, roomsFile, Math.round(total / processes), Math.round(window / processes)));
    await Promise.all(workers.map((w) => w.ready()));
    for (const w of workers) w.child.stdin.write('go\n');
    const results = await Promise.all(workers.map((w) => w.result()));
    const seconds = Math.max(...results.map((r) => r.seconds));
    return {
      scenario,
      msgsPerSec: Math.round(total / seconds),
      p50Ms: Math.max(...results.map((r) => r.p50Ms)),
      p99Ms: Math.max(...results.map((r) => r.p99Ms)),
      peakRssMb: Math.max(...results.map((r) => r.peakRssMb)),
      messages: total,
      rooms: roomCount,
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
