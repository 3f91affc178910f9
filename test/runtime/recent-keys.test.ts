// DESIGN.md section 13: idempotency is decided by the store's unique index; the keys kept in
// memory are an accelerator with one bound over all rooms. Keys still committing are kept whatever
// the bound (the store cannot answer for them yet); a key that left memory is deduplicated by the store.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SqliteStore, type Room, type RoomEvent } from '../../runtime/src';
import { RoomCache } from '../../runtime/src/pipeline/room-cache';
import { cleanupAll, createRoom, openTestEngine, query } from './support/engine';

afterEach(async () => {
  vi.restoreAllMocks();
  await cleanupAll();
});

const NOW = '2025-01-01T00:00:00.000Z';

function room(id: string): Room {
  return { id, state: 'active', timers: {}, metadata: {}, tenantId: null, latestIndex: -1, version: 0, createdAt: NOW, updatedAt: NOW };
}

function event(roomId: string, key: string): RoomEvent {
  return { id: `evt-${roomId}-${key}`, roomId, idempotencyKey: key } as RoomEvent;
}

/** Lets the promise callbacks of settled commits run. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('idempotency keys in memory', () => {
  it('stay within one bound over all rooms; keys still committing are kept beyond it until they commit', async () => {
    const cache = new RoomCache(new SqliteStore(':memory:'), { recentKeys: 100 });
    const rooms = Array.from({ length: 50 }, (_, i) => cache.create(room(`room-${i}`), []));
    for (let k = 0; k < 10; k++) {
      for (const loaded of rooms) loaded.rememberKey(`key-${k}`, Promise.resolve(event(loaded.room.id, `key-${k}`)));
    }
    await settled();
    expect(cache.keys.size).toBe(100);
    // The most recently used keys stay; the oldest left memory.
    expect(await rooms[49]!.recentKey('key-9')).toMatchObject({ id: 'evt-room-49-key-9' });
    expect(rooms[0]!.recentKey('key-0')).toBeUndefined();

    const commits: (() => void)[] = [];
    for (const loaded of rooms) {
      const committing = new Promise<RoomEvent>((resolve) => commits.push(() => resolve(event(loaded.room.id, 'late'))));
      loaded.rememberKey('late', committing);
      loaded.rememberKey('late-2', new Promise<RoomEvent>((resolve) => commits.push(() => resolve(event(loaded.room.id, 'late-2')))));
    }
    await settled();
    expect(cache.keys.size).toBe(200);
    expect(rooms[0]!.recentKey('late')).toBeDefined();
    for (const commit of commits) commit();
    await settled();
    expect(cache.keys.size).toBe(100);
  });

  it('a key whose write failed is forgotten, so a retry writes again', async () => {
    const cache = new RoomCache(new SqliteStore(':memory:'), { recentKeys: 100 });
    const loaded = cache.create(room('room'), []);
    const failed = Promise.reject(new Error('disk full'));
    failed.catch(() => undefined);
    loaded.rememberKey('key', failed);
    expect(loaded.recentKey('key')).toBe(failed);
    await settled();
    expect(loaded.recentKey('key')).toBeUndefined();
    expect(cache.keys.size).toBe(0);
  });

  it('a key that left memory is still deduplicated by the store: one event, the original returned', async () => {
    const { engine, path } = await openTestEngine({ recentIdempotencyKeys: 4 });
    const rooms = await Promise.all(
      Array.from({ length: 10 }, () =>
        createRoom(engine, [
          { channelId: 'web', address: 'visitor-1' },
          { channelId: 'console', address: 'agent-1' },
        ]),
      ),
    );
    const send = (i: number, text: string) =>
      engine.call<{ event: RoomEvent; duplicate: boolean }>('sendEvent', {
        roomId: rooms[i]!.room.id,
        content: { type: 'text', text },
        idempotencyKey: `order-${i}`,
      });
    const originals: RoomEvent[] = [];
    for (let i = 0; i < 10; i++) originals.push((await send(i, `original ${i}`)).event);

    const lookups = vi.spyOn(SqliteStore.prototype, 'findEventByIdempotencyKey');
    for (let i = 0; i < 10; i++) {
      const retry = await send(i, `retry ${i}`);
      expect(retry.duplicate).toBe(true);
      expect(retry.event).toMatchObject({ id: originals[i]!.id, index: originals[i]!.index, content: { text: `original ${i}` } });
    }
    // Memory kept the four newest keys; the six older ones were answered by the store.
    expect(lookups.mock.calls.map(([, key]) => key)).toEqual(['order-0', 'order-1', 'order-2', 'order-3', 'order-4', 'order-5']);
    const rows = await query<{ n: number }>(path, "SELECT count(*) AS n FROM events WHERE idempotency_key LIKE 'order-%'");
    expect(rows[0]!.n).toBe(10);
  });
});
