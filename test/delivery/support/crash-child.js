// The engine under test of crash.test.ts, in a process of its own so that the test can SIGKILL it.
// Opens an engine on the given SQLite file (a restart resumes its queued deliveries), registers a
// webhook channel that delivers to the test's receiver, creates its rooms or finds them again, then
// writes events as fast as it can and prints each one as soon as `sendEvent` resolves, i.e. once
// its commit is durable:  `ack <roomId> <eventId> <index>`.
// On the line `drain` on stdin it stops writing, waits until every delivery is settled, prints
// `idle`, closes the engine and exits 0.
//
// Usage: node crash-child.js <db file> <receiver base URL> <room count> <events to write>
'use strict';
const { Engine, createWebhookProvider } = require('../../../runtime/dist');

const [databasePath, receiverUrl, roomCount, eventCount] = process.argv.slice(2);
const ROOMS = Number(roomCount);
const EVENTS = Number(eventCount);
/** Writes in flight at once: enough for group commit to batch them. */
const WINDOW = 16;

// stdout is a pipe: synchronous on Linux, so a printed line is out before a SIGKILL can land.
const out = (line) => process.stdout.write(`${line}\n`);

async function main() {
  const engine = await Engine.open({
    databasePath,
    delivery: { maxAttempts: 50, baseBackoffMs: 20, maxBackoffMs: 200 },
    logger: { info: () => {}, warn: (m) => process.stderr.write(`warn ${m}\n`), error: (m) => process.stderr.write(`error ${m}\n`) },
  });
  await engine.registerChannel({
    id: 'hook',
    type: 'webhook',
    provider: createWebhookProvider({ outboundUrl: `${receiverUrl}hook/{address}`, timeoutMs: 5000 }),
    maxConcurrency: 16,
  });
  const rooms = [];
  for (let r = 0; r < ROOMS; r++) {
    const { room } = await engine.call('createRoom', {
      id: `crash-${r}`,
      bindings: [
        { channelId: 'hook', address: `alice-${r}` },
        { channelId: 'hook', address: `bob-${r}` },
      ],
    });
    rooms.push(room.id);
  }
  out('ready');

  let next = 0;
  let draining = false;
  async function writer() {
    while (!draining && next < EVENTS) {
      const i = next++;
      // A system write: both bindings of the room are targets, two deliveries per event.
      const { event } = await engine.call('sendEvent', { roomId: rooms[i % ROOMS], content: { type: 'text', text: `m${i}` } });
      out(`ack ${event.roomId} ${event.id} ${event.index}`);
    }
  }
  const writers = Promise.all(Array.from({ length: WINDOW }, writer));

  let input = '';
  process.stdin.setEncoding('utf8').on('data', async (chunk) => {
    input += chunk;
    if (!input.includes('drain\n') || draining) return;
    draining = true;
    await writers;
    await engine.idle();
    out('idle');
    await engine.close();
    process.exit(0);
  });
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
