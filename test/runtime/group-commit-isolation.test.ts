// DESIGN.md section 13: each write set in a group commit fails alone. A write set refused by a
// unique index (a provider retry or a repeated idempotency key that raced past the lookups) fails
// with a conflict; the other write sets of its transaction commit, status updates included. The
// later writes of the refused write set's room fail with it, so the room's indexes stay gapless.
import { canAdvance } from '../../runtime/src/delivery/status';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery, DeliveryStatus, RoomEvent } from '../../runtime/src';
import type { WriteSet } from '../../runtime/src/store/store';
import { cleanupAll } from './support/engine';
import { Random } from './support/random';
import { closeCommitters, messageWrites, openCommitter, room, statusWrites, type OpenCommitter } from './support/write-sets';

afterEach(async () => {
  await closeCommitters();
  await cleanupAll();
});

async function count(store: OpenCommitter, sql: string, params: unknown[] = []): Promise<number> {
  return (await store.reader.get<{ n: number }>(sql, params))!.n;
}

const GAPS = 'SELECT count(*) AS n FROM (SELECT room_id FROM events GROUP BY room_id HAVING count(*) <> max(idx) + 1 OR min(idx) <> 0)';

describe('each write set of a group commit fails alone', () => {
  it('a provider retrying one message 40 times among 400 unrelated messages: no unrelated write fails, no status update is lost', async () => {
    const store = await openCommitter();
    const { committer } = store;
    await committer.commit(messageWrites('retried', 0, 'evt-original', { providerMessageId: 'SM-1' }));
    // Deliveries already stored, whose sends succeed while the retries arrive.
    const earlier = Array.from({ length: 200 }, (_, i) => messageWrites(`earlier-${i}`, 0, `evt-earlier-${i}`));
    await Promise.all(earlier.map((writes) => committer.commit(writes)));
    const sent: Delivery[] = earlier.flatMap((writes) => writes.deliveries!);

    // Each outcome is the error that refused the write set, or null once it committed.
    const outcome = (commit: Promise<void>) => commit.then(() => null, (error: unknown) => error as { code?: string });
    const retries: Promise<{ code?: string } | null>[] = [];
    const unrelated: Promise<{ code?: string } | null>[] = [];
    const statuses: Promise<{ code?: string } | null>[] = [];
    for (let wave = 0; wave < 40; wave++) {
      retries.push(outcome(committer.commit(messageWrites('retried', wave + 1, `evt-retry-${wave}`, { providerMessageId: 'SM-1' }))));
      for (let j = 0; j < 10; j++) {
        const n = wave * 10 + j;
        unrelated.push(outcome(committer.commit(messageWrites(`unrelated-${n}`, 0, `evt-unrelated-${n}`, { idempotencyKey: `key-${n}` }))));
        statuses.push(outcome(committer.commit(statusWrites(sent[n]!, 'sent'))));
      }
      // Let the group commit cut a batch here and there, as concurrent requests would.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const [retried, others, updates] = await Promise.all([retries, unrelated, statuses].map((all) => Promise.all(all)));

    expect(others.filter((error) => error !== null)).toEqual([]);
    expect(updates.filter((error) => error !== null)).toEqual([]);
    expect(retried.map((error) => error?.code)).toEqual(retried.map(() => 'conflict'));
    // The retries shared their transactions with the unrelated writes.
    expect(store.begins()).toBeLessThan(200);

    expect(await count(store, "SELECT count(*) AS n FROM events WHERE room_id LIKE 'unrelated-%'")).toBe(400);
    expect(await count(store, "SELECT count(*) AS n FROM deliveries WHERE room_id LIKE 'unrelated-%' AND status = 'queued'")).toBe(800);
    expect(await count(store, "SELECT count(*) AS n FROM deliveries WHERE room_id LIKE 'earlier-%' AND status = 'sent'")).toBe(400);
    expect(await count(store, "SELECT count(*) AS n FROM deliveries WHERE room_id LIKE 'earlier-%' AND status = 'queued'")).toBe(0);
    expect(await count(store, "SELECT count(*) AS n FROM events WHERE provider_message_id = 'SM-1'")).toBe(1);
    expect(await count(store, "SELECT count(*) AS n FROM deliveries WHERE event_id LIKE 'evt-retry-%'")).toBe(0);
    expect(await count(store, "SELECT latest_index AS n FROM rooms WHERE id = 'retried'")).toBe(0);
    expect(await count(store, GAPS)).toBe(0);
  });

  it('property: in random interleavings of retries, duplicates and unrelated writes in one group commit, only the refused write set (and the later writes of its room) fail; every status moves only forward', async () => {
    for (let seed = 1; seed <= 25; seed++) await checkOneInterleaving(await openCommitter(), seed);
  }, 60_000);
});

interface Op {
  kind: 'message' | 'retry' | 'duplicate' | 'status';
  writes: WriteSet;
  /** The room whose timeline the write extends (none for a status update). */
  roomId?: string;
  /** The unique-index entries its event claims. */
  claims: string[];
  status?: { deliveryId: string; to: DeliveryStatus };
}

/**
 * One seeded interleaving: rooms with a stored first message, then one batch mixing new messages,
 * provider retries (an already used provider message id, possibly routed to another room),
 * repeated idempotency keys and status updates of stored deliveries. Indexes are assigned per room
 * in queue order, as the engine does before the commit.
 */
async function checkOneInterleaving(store: OpenCommitter, seed: number): Promise<void> {
  const random = new Random(seed);
  const rooms = Array.from({ length: 4 + random.int(30) }, (_, i) => `room-${i}`);
  const latest = new Map<string, number>();
  const keysOfRoom = new Map<string, string[]>();
  const providerIds: { channelId: string; id: string }[] = [];
  const stored = new Set<string>();
  const storedDeliveries: Delivery[] = [];
  let next = 0;

  const message = (roomId: string, options: { idempotencyKey?: string; providerMessageId?: string; channelId?: string }): Op => {
    const index = (latest.get(roomId) ?? -1) + 1;
    latest.set(roomId, index);
    const claims = [
      ...(options.idempotencyKey ? [`key ${roomId} ${options.idempotencyKey}`] : []),
      ...(options.providerMessageId ? [`provider ${options.channelId} ${options.providerMessageId}`] : []),
    ];
    return { kind: 'message', roomId, claims, writes: messageWrites(roomId, index, `evt-${seed}-${next++}`, options) };
  };
  const fresh = (roomId: string, keyed = random.chance(0.5), fromProvider = random.chance(0.5)): Op => {
    const idempotencyKey = keyed ? `k${next}` : undefined;
    const channelId = random.pick(['sms', 'whatsapp']);
    const providerMessageId = fromProvider ? `p${next}` : undefined;
    if (idempotencyKey) keysOfRoom.set(roomId, [...(keysOfRoom.get(roomId) ?? []), idempotencyKey]);
    if (providerMessageId) providerIds.push({ channelId, id: providerMessageId });
    return message(roomId, { idempotencyKey, providerMessageId, channelId });
  };

  const firsts = rooms.map((roomId) => fresh(roomId, true, true));
  await Promise.all(firsts.map((first) => store.committer.commit(first.writes)));
  for (const first of firsts) {
    for (const claim of first.claims) stored.add(claim);
    storedDeliveries.push(...first.writes.deliveries!);
  }

  const ops: Op[] = Array.from({ length: 20 + random.int(150) }, () => {
    const roomId = random.pick(rooms);
    const roll = random.next();
    if (roll < 0.6) return fresh(roomId);
    if (roll < 0.68) {
      const original = random.pick(providerIds);
      return { ...message(roomId, { providerMessageId: original.id, channelId: original.channelId }), kind: 'retry' };
    }
    if (roll < 0.75 && keysOfRoom.get(roomId)?.length) {
      return { ...message(roomId, { idempotencyKey: random.pick(keysOfRoom.get(roomId)!) }), kind: 'duplicate' };
    }
    const delivery = random.pick(storedDeliveries);
    const to = random.pick<DeliveryStatus>(['sent', 'delivered', 'read', 'failed']);
    return { kind: 'status', claims: [], writes: statusWrites(delivery, to), status: { deliveryId: delivery.id, to } };
  });

  // The model: a write set is refused when its event claims an entry a committed event holds, or
  // when an earlier write of its room was refused; everything else commits.
  const refusedRooms = new Set<string>();
  const expected = ops.map((op) => {
    if (!op.roomId) return 'committed';
    if (refusedRooms.has(op.roomId) || op.claims.some((claim) => stored.has(claim))) {
      refusedRooms.add(op.roomId);
      return 'refused';
    }
    for (const claim of op.claims) stored.add(claim);
    return 'committed';
  });

  const beginsBefore = store.begins();
  const blocker = store.committer.commit({ rooms: [room(`blocker-${seed}`)] });
  const outcomes = await Promise.allSettled(ops.map((op) => store.committer.commit(op.writes)));
  await blocker;
  // The blocker's transaction, then all of the ops in one (begun again when a write set is refused).
  expect(store.begins() - beginsBefore, `seed ${seed}`).toBeLessThanOrEqual(3);

  const actual = outcomes.map((outcome) => (outcome.status === 'fulfilled' ? 'committed' : 'refused'));
  expect(actual, `seed ${seed}: ${ops.map((op) => op.kind).join(' ')}`).toEqual(expected);
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') expect((outcome.reason as { code?: string }).code, `seed ${seed}`).toBe('conflict');
  }

  const events = new Set((await store.reader.all<{ id: string }>('SELECT id FROM events')).map((row) => row.id));
  ops.forEach((op, i) => {
    const event = op.writes.events?.[0] as RoomEvent | undefined;
    if (event) expect(events.has(event.id), `seed ${seed}: ${op.kind} ${event.id}`).toBe(expected[i] === 'committed');
  });
  // The store moves a status only forward (DESIGN.md section 8), whatever order the updates arrive in.
  const lastStatus = new Map<string, DeliveryStatus>();
  for (const op of ops) {
    if (!op.status) continue;
    const current = lastStatus.get(op.status.deliveryId) ?? 'queued';
    if (canAdvance(current, op.status.to)) lastStatus.set(op.status.deliveryId, op.status.to);
  }
  for (const [id, status] of lastStatus) {
    const row = await store.reader.get<{ status: string }>('SELECT status FROM deliveries WHERE id = ?', [id]);
    expect(row?.status, `seed ${seed}: status of ${id}`).toBe(status);
  }
  expect(await count(store, GAPS), `seed ${seed}`).toBe(0);
  const stale = 'SELECT count(*) AS n FROM rooms r WHERE r.latest_index <> (SELECT max(idx) FROM events e WHERE e.room_id = r.id)';
  expect(await count(store, stale), `seed ${seed}`).toBe(0);
}
