// One engine process of postgres-instances.test.ts, on the test's PostgreSQL schema, so the test
// can run three at once and SIGKILL one. Registers the webhook channel `hook` delivering to
// `<receiver>/<name>/<address>` (every request names the process that sent it), prints `ready`,
// then on `write <n>` writes n events over the given rooms: worker w writes the rooms r with
// r % WORKERS === w one event after the other, so each room's events from this process have a
// call order; each is printed once `sendEvent` resolved (durable): `ack <roomId> <eventId> <index>`.
// On `drain`: waits for its deliveries, prints `idle`, closes, exits 0.
//
// Usage: node pg-engine-child.js <postgres url> <schema> <receiver url> <name> <room ids, comma-separated>
'use strict';
const { Engine, PostgresStore, createWebhookProvider } = require('../../../runtime/dist');

const [connectionString, schema, receiverUrl, name, roomList] = process.argv.slice(2);
const rooms = roomList.split(',');
const WORKERS = 10;
const out = (line) => process.stdout.write(`${line}\n`);
const log = (m) => process.stderr.write(`${name} ${m}\n`);

async function main() {
  const engine = await Engine.open({
    store: new PostgresStore({ connectionString, schema, poolSize: 4, onError: (e) => log(`store ${e}`) }),
    leaseMs: 3000,
    timerPollMs: 250,
    delivery: { maxAttempts: 50, baseBackoffMs: 20, maxBackoffMs: 200 },
    logger: { info: () => {}, warn: (m) => log(`warn ${m}`), error: (m) => log(`error ${m}`) },
  });
  await engine.registerChannel({
    id: 'hook',
    type: 'webhook',
    provider: createWebhookProvider({ outboundUrl: `${receiverUrl}${name}/{address}`, timeoutMs: 5000 }),
  });
  out('ready');

  let writing = Promise.resolve();
  let input = '';
  process.stdin.setEncoding('utf8').on('data', (chunk) => {
    input += chunk;
    let newline;
    while ((newline = input.indexOf('\n')) >= 0) {
      const [command, arg] = input.slice(0, newline).split(' ');
      input = input.slice(newline + 1);
      if (command === 'write') writing = write(engine, Number(arg));
      if (command === 'drain') void drain(engine);
    }
  });
  async function drain() {
    await writing;
    await engine.idle();
    out('idle');
    await engine.close();
    process.exit(0);
  }
}

async function write(engine, count) {
  let sent = 0;
  const worker = async (w) => {
    const mine = rooms.filter((_, r) => r % WORKERS === w);
    for (let i = 0; sent < count; i++) {
      sent++;
      const roomId = mine[i % mine.length];
      const { event } = await engine.call('sendEvent', { roomId, content: { type: 'text', text: `${name}-${i}` } });
      out(`ack ${event.roomId} ${event.id} ${event.index}`);
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  out('written');
}

main().catch((error) => {
  log(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
