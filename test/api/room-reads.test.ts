// A room reads the same through `getRoom` and `listRooms`: both answer what the store holds, so
// while a write waits for its group commit neither shows it, and once the write resolves both do.
// The room list pages by an opaque (updatedAt, id) cursor: rooms of one millisecond are all seen.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, SqliteStore, type Room } from '../../runtime/src';
import type { WriteSet } from '../../runtime/src/store/store';
import { cleanupAll, deferred, tempDir, until, type Deferred } from '../runtime/support/engine';

/** A real SQLite store whose commits wait while a gate is set. */
class GatedStore extends SqliteStore {
  gate: Deferred | null = null;
  waiting = 0;

  override commit(writes: WriteSet): Promise<void> {
    const gate = this.gate;
    if (!gate) return super.commit(writes);
    this.waiting++;
    return gate.promise.then(() => super.commit(writes));
  }
}

afterEach(cleanupAll);

describe('getRoom and listRooms', () => {
  it('agree while a write waits for its commit, and both show it once it resolves', async () => {
    const store = new GatedStore(join(tempDir(), 'reads.sqlite'));
    const engine = await Engine.open({ store });
    try {
      const created = (await engine.call<{ room: Room }>('createRoom', { id: 'r1' })).room.latestIndex;
      const listed = async () => (await engine.call<{ rooms: Room[] }>('listRooms', {})).rooms.find((r) => r.id === 'r1')!;
      const got = async () => (await engine.call<{ room: Room }>('getRoom', { roomId: 'r1' })).room;

      store.gate = deferred();
      const sending = engine.call('sendEvent', { roomId: 'r1', content: { type: 'text', text: 'hello' } });
      await until(() => store.waiting > 0, 'the write to reach the group commit');
      expect((await got()).latestIndex).toBe(created);
      expect(await got()).toEqual(await listed());

      store.gate.resolve();
      store.gate = null;
      await sending;
      expect((await got()).latestIndex).toBe(created + 1);
      expect(await got()).toEqual(await listed());
    } finally {
      await engine.close();
    }
  });
});

describe('rooms handed to in-process callers', () => {
  it('do not change under the caller when the room is written afterwards', async () => {
    const engine = await Engine.open({ store: new SqliteStore(join(tempDir(), 'snapshots.sqlite')) });
    try {
      // A message is the write that moves the cached room's index in place.
      const say = () => engine.call('sendEvent', { roomId: 'r1', content: { type: 'text', text: 'later' } });
      const handed: Room[] = [];
      const kept: Room[] = [];
      const keep = (room: Room) => {
        handed.push(room);
        kept.push(structuredClone(room));
      };
      keep((await engine.call<{ room: Room }>('createRoom', { id: 'r1' })).room);
      await say();
      keep(await engine.call<Room>('updateRoomMetadata', { roomId: 'r1', metadata: { tag: 'x' } }));
      await say();
      await engine.call('pauseRoom', { roomId: 'r1' });
      keep(await engine.call<Room>('resumeRoom', { roomId: 'r1' }));
      await say();
      expect(handed).toEqual(kept);
      // The writes did happen: the room read now is further on.
      expect((await engine.call<{ room: Room }>('getRoom', { roomId: 'r1' })).room.latestIndex).toBeGreaterThan(kept[2]!.latestIndex);
    } finally {
      await engine.close();
    }
  });
});

describe('listRooms paging', () => {
  it('walks rooms created in one millisecond once each, with nextCursor, while more are created', async () => {
    const engine = await Engine.open({ store: new SqliteStore(join(tempDir(), 'paging.sqlite')), clock: () => Date.parse('2026-01-01T00:00:00.000Z') });
    try {
      const before: string[] = [];
      for (let i = 0; i < 25; i++) before.push((await engine.call<{ room: Room }>('createRoom', {})).room.id);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await engine.call<{ rooms: Room[]; nextCursor?: string }>('listRooms', { limit: 4, ...(cursor ? { cursor } : {}) });
        seen.push(...page.rooms.map((r) => r.id));
        cursor = page.nextCursor;
        await engine.call('createRoom', {});
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      expect(before.filter((id) => !seen.includes(id))).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});
