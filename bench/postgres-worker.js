// One engine process of the PostgreSQL scenarios: writes `count` messages (at most `window` in
// flight) spread over the given rooms, then prints one JSON line with its latencies' p50/p99, its
// own elapsed time, its peak RSS and the CPU time it used while writing. Started by bench/postgres.js, `count` waits for `go` on stdin
// so that every process starts writing at the same moment. With `<k>/<n>` it writes only to its
// share of the rooms.
'use strict';
const { readFileSync } = require('node:fs');
const { Engine, FlowProvider, PostgresStore } = require('../runtime/dist');
const { percentile, peakRss, sendFirstMessage } = require('./measure');

const [url, schema, roomsFile, countText, windowText, partText] = process.argv.slice(2);

async function main() {
  // `<k>/<n>`: only every n-th room from the k-th (a load balancer keeping each room on one instance).
  const [part, parts] = (partText ?? '0/1').split('/').map(Number);
  const rooms = JSON.parse(readFileSync(roomsFile, 'utf8')).filter((_, i) => i % parts === part);
  const engine = await Engine.open({ store: new PostgresStore({ connectionString: url, schema, poolSize: 8 }) });
  const staff = new FlowProvider();
  staff.listen(() => undefined);
  await engine.registerChannel({ id: 'customer', type: 'webhook', provider: new FlowProvider() });
  await engine.registerChannel({ id: 'staff', type: 'flow', provider: staff });
  await sendFirstMessage(engine, rooms[0].roomId, rooms[0].senderId);
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const total = Number(countText);
  const latencies = new Float64Array(total);
  let next = 0;
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  async function worker() {
    while (next < total) {
      const i = next++;
      const room = rooms[Math.floor(Math.random() * rooms.length)];
      const t0 = process.hrtime.bigint();
      await engine.call('sendEvent', { roomId: room.roomId, bindingId: room.senderId, content: { type: 'text', text: `message ${i}` } });
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  }
  await Promise.all(Array.from({ length: Math.min(Number(windowText), total) }, worker));
  await engine.idle();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = Math.round((cpu.user + cpu.system) / 1e4) / 100;
  process.stdout.write(`${JSON.stringify({ seconds, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), peakRssMb: peakRss(), cpuSeconds })}\n`);
  await engine.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
