// DESIGN.md sections 3 (step 5) and 8 under crashes: the engine runs in a child process that writes
// events as fast as it can while its deliveries flow to a real local HTTP server; the test kills it
// with SIGKILL at random moments, several times, restarts it on the same SQLite file each time
// (the restart resumes queued deliveries), and finally lets it drain. Then:
//
// 1. every event the child reported as acknowledged (its `sendEvent` had resolved) is stored;
// 2. event indexes are gapless per room (0..latestIndex, no hole, no duplicate);
// 3. every delivery row in the store ends `delivered` and reached the server at least once
//    (requests are deduplicated by their Idempotency-Key header, `<eventId>:<bindingId>`), and the
//    server never received a key that is not a stored delivery (nothing is sent before commit);
// 4. the at-least-once rule, precisely: the engine sends a delivery again only when, at the kill
//    before the resend, the store still had it `queued`. A send the server answered 2xx whose
//    `delivered` status was not yet durable when the child died is resent after the restart, and
//    the Idempotency-Key lets the receiver drop it; a delivery whose `delivered` status was
//    committed before a kill is never sent again. Within one run nothing is sent twice (the
//    server always answers 2xx here, so there is no retry).
//
// Each run delivers under its own URL prefix (`/run<n>/`), so every request is attributed to the
// process that sent it, even one that reaches the server after its sender was killed. Rule 4 is
// checked against a snapshot of every delivery's status read from the SQLite file after each
// kill, before the restart: a request of run n for a key that an earlier run already sent must
// have been `queued` in the snapshot taken after run n-1 was killed.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, sql, startReceiver, tempDir, type Receiver } from './support/harness';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = join(root, 'test', 'delivery', 'support', 'crash-child.js');

const ROUNDS = 8;
const ROOMS = 3;
/** Events one run writes at most: keeps the backlog drainable within the test's time. */
const EVENTS_PER_RUN = 1500;

/** The child requires runtime/dist: rebuild it when a source file is newer than the last build. */
function ensureRuntimeBuilt(): void {
  const buildInfo = join(root, 'runtime', 'tsconfig.tsbuildinfo');
  const built = (() => {
    try {
      return statSync(buildInfo).mtimeMs;
    } catch {
      return 0;
    }
  })();
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  if (newest(join(root, 'runtime', 'src')) <= built) return;
  // Type errors elsewhere do not stop tsc from emitting; a missing dist would fail the child loudly.
  spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'runtime', 'tsconfig.json')], { stdio: 'ignore' });
}

interface Child {
  process: ChildProcessWithoutNullStreams;
  lines: string[];
  stderr: () => string;
  waitFor(line: string, timeoutMs?: number): Promise<void>;
}

function startChild(dbPath: string, receiver: Receiver, run: number, events: number): Child {
  const child = spawn(process.execPath, [CHILD, dbPath, `${receiver.url}run${run}/`, String(ROOMS), String(events)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.line === line)) waiter.resolve();
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return {
    process: child,
    lines,
    stderr: () => stderr,
    waitFor: (line, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        if (lines.includes(line)) return resolve();
        const timer = setTimeout(() => reject(new Error(`the child did not print ${line} within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
        waiters.push({
          line,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`the child exited (${code ?? signal}) before printing ${line}; stderr:\n${stderr}`));
        });
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(ensureRuntimeBuilt, 120_000);
afterAll(cleanup);

describe('crash safety (SIGKILL at random points, then restart)', () => {
  it('keeps every acknowledged event, gapless indexes, and delivers every committed delivery at least once', async () => {
    const dbPath = join(tempDir(), 'crash.sqlite');
    const receiver = await startReceiver();
    const acks = new Map<string, { roomId: string; index: number }>();
    /** Status of every delivery key in the store right after each kill. */
    const snapshots: Map<string, string>[] = [];
    const delays: number[] = [];
    const collect = (child: Child) => {
      for (const line of child.lines) {
        const [kind, roomId, eventId, index] = line.split(' ');
        if (kind === 'ack') acks.set(eventId!, { roomId: roomId!, index: Number(index) });
      }
    };

    for (let round = 0; round < ROUNDS; round++) {
      const child = startChild(dbPath, receiver, round, EVENTS_PER_RUN);
      await child.waitFor('ready');
      // Anywhere from right away (in the middle of resuming the backlog) to well into the writes.
      const delay = Math.floor(Math.random() * 400);
      delays.push(delay);
      await sleep(delay);
      const exited = once(child.process, 'exit');
      child.process.kill('SIGKILL');
      await exited;
      collect(child);
      const rows = await sql<{ key: string; status: string }>(dbPath, "SELECT event_id || ':' || binding_id AS key, status FROM deliveries");
      snapshots.push(new Map(rows.map((r) => [r.key, r.status])));
    }

    // The last run writes a little more, then drains everything and stops cleanly.
    const last = startChild(dbPath, receiver, ROUNDS, 200);
    await last.waitFor('ready');
    await sleep(50);
    last.process.stdin.write('drain\n');
    await last.waitFor('idle', 40_000);
    const [code] = (await once(last.process, 'exit')) as [number | null];
    expect(code, last.stderr()).toBe(0);
    collect(last);
    const context = `kill delays (ms): ${delays.join(', ')}`;

    // 1. Every acknowledged event is stored, in its room, at its index.
    const events = await sql<{ id: string; room_id: string; idx: number; type: string }>(dbPath, 'SELECT id, room_id, idx, type FROM events');
    const stored = new Map(events.map((e) => [e.id, e]));
    expect(acks.size, context).toBeGreaterThan(ROUNDS);
    for (const [eventId, ack] of acks) {
      expect(stored.get(eventId), `acknowledged ${eventId} is stored; ${context}`).toMatchObject({ room_id: ack.roomId, idx: ack.index });
    }

    // 2. Indexes are gapless per room, and the room's latest index is the last one.
    const rooms = await sql<{ id: string; latest_index: number }>(dbPath, 'SELECT id, latest_index FROM rooms');
    expect(rooms).toHaveLength(ROOMS);
    for (const room of rooms) {
      const indexes = events.filter((e) => e.room_id === room.id).map((e) => e.idx).sort((a, b) => a - b);
      expect(indexes, `${room.id}; ${context}`).toEqual(indexes.map((_, i) => i));
      expect(room.latest_index).toBe(indexes.length - 1);
    }

    // 3. Every committed delivery is delivered and reached the server; nothing else was sent.
    const deliveries = await sql<{ id: string; key: string; status: string }>(
      dbPath,
      "SELECT id, event_id || ':' || binding_id AS key, status FROM deliveries",
    );
    const messages = events.filter((e) => e.type === 'message');
    expect(deliveries).toHaveLength(messages.length * 2);
    const receivedKeys = new Set(receiver.requests.map((r) => r.key));
    const storedKeys = new Set(deliveries.map((d) => d.key));
    for (const delivery of deliveries) {
      expect(delivery.status, `${delivery.key}; ${context}`).toBe('delivered');
      expect(receivedKeys.has(delivery.key), `${delivery.key} reached the server; ${context}`).toBe(true);
    }
    for (const key of receivedKeys) expect(storedKeys.has(key), `${key} was sent but never committed; ${context}`).toBe(true);
    // The Idempotency-Key names the delivery the body carries.
    const idByKey = new Map(deliveries.map((d) => [d.key, d.id]));
    for (const request of receiver.requests) expect(request.body.deliveryId).toBe(idByKey.get(request.key));

    // 4. Resends only by a later run, and only of deliveries still `queued` in the store when the
    //    run before it was killed.
    const runOf = (url: string) => Number(/^\/run(\d+)\//.exec(url)![1]);
    const firstRun = new Map<string, number>();
    const sentIn = new Set<string>();
    let resends = 0;
    for (const request of receiver.requests) {
      const run = runOf(request.url);
      expect(sentIn.has(`${run} ${request.key}`), `${request.key} was sent twice by run ${run}; ${context}`).toBe(false);
      sentIn.add(`${run} ${request.key}`);
      const first = firstRun.get(request.key);
      if (first === undefined) {
        firstRun.set(request.key, run);
        continue;
      }
      resends++;
      expect(run, `${request.key}: sent by run ${first}, then by run ${run}; ${context}`).toBeGreaterThan(first);
      expect(snapshots[run - 1]!.get(request.key), `${request.key} was resent by run ${run} although the store had it delivered; ${context}`).toBe('queued');
    }
    // Informational: how much at-least-once actually happened in this run.
    console.info(`crash test: ${acks.size} acknowledged events, ${deliveries.length} deliveries, ${receiver.requests.length} requests, ${resends} resends; ${context}`);
  }, 90_000);
});
