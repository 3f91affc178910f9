// Two engines on one PostgreSQL database: a room write that is not a message (metadata, pause,
// assignment, read horizon) may meet a room another engine is writing right now or has written
// since. The store refuses it whole; the engine runs it again on the stored room instead of
// answering 409, as it does for messages, while a
// refusal that is the caller's (a state change the stored room does not allow) still answers 409.
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Engine, FlowProvider, RoomwireError, type Binding, type PostgresStore, type Room } from '../../runtime/src';
import type { Change, Resync } from '../../runtime/src/store/store';
import { connectionConfig } from '../../runtime/src/store/postgres/connection';
import { until } from '../runtime/support/engine';
import { dropSchema, freshSchema, POSTGRES_URL, postgresAvailable, postgresStore } from '../support/postgres';

const withPostgres = await postgresAvailable();
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

async function twoEngines(): Promise<{ a: Engine; b: Engine; storeOfA: PostgresStore; schema: string; feedOfB: HeldFeed }> {
  const schema = freshSchema();
  schemas.push(schema);
  const storeOfA = postgresStore(schema);
  const storeOfB = postgresStore(schema);
  const feedOfB = holdFeed(storeOfB);
  const a = await Engine.open({ store: storeOfA });
  const b = await Engine.open({ store: storeOfB });
  // Staff seats, as each engine's flows would register them.
  for (const engine of [a, b]) await engine.registerChannel({ id: 'console', type: 'console', provider: new FlowProvider(), info: { audience: 'internal' } });
  return { a, b, storeOfA, schema, feedOfB };
}

const room = async (engine: Engine, roomId: string) => (await engine.call<{ room: Room }>('getRoom', { roomId })).room;

interface HeldFeed {
  /** From now on B hears of other engines' commits only on `release` (a change follower running behind). */
  hold(): void;
  release(): Promise<void>;
}

/** B's change feed, held at will: what B has cached goes stale without B knowing. */
function holdFeed(store: PostgresStore): HeldFeed {
  let held: Promise<void> | null = null;
  let release = () => {};
  let handed = Promise.resolve();
  // The feed exists once the store is open, before the engine subscribes to it.
  const open = store.open.bind(store);
  store.open = async () => {
    await open();
    const feed = store.changes;
    const subscribe = feed.subscribe.bind(feed);
    feed.subscribe = (listener: (notice: Change | Resync) => Promise<void> | void) =>
      subscribe(async (notice) => {
        const applied = (async () => {
          if (held) await held;
          await listener(notice);
        })();
        handed = applied;
        await applied;
      });
  };
  return {
    hold() {
      held = new Promise((resolve) => (release = resolve));
    },
    async release() {
      held = null;
      release();
      await handed;
    },
  };
}

describe.skipIf(!withPostgres)('room writes on a room another engine wrote since', () => {
  it('wait for the other writer and run again on the stored room, instead of answering 409', async () => {
    const { a, b, storeOfA: store, schema } = await twoEngines();
    const other = new pg.Client(connectionConfig(POSTGRES_URL, schema));
    try {
      await a.call('createRoom', { id: 'r1' });
      await b.call('sendEvent', { roomId: 'r1', content: { type: 'text', text: 'from b' } });
      let commits = 0;
      const commit = store.commit.bind(store);
      store.commit = (writes) => {
        commits++;
        return commit(writes);
      };
      // Another engine's transaction is in the middle of writing r1: A's write is refused while it lasts.
      await other.connect();
      await other.query('BEGIN');
      await other.query("SELECT id FROM rooms WHERE id = 'r1' FOR UPDATE");
      const tagging = a.call('updateRoomMetadata', { roomId: 'r1', metadata: { language: 'fr' } }).then(() => 'done', (error: unknown) => error);
      await until(() => commits >= 2, 'the refused write to be tried again');
      await other.query('COMMIT');
      expect(await tagging).toBe('done');
      expect(await a.call('pauseRoom', { roomId: 'r1' })).toBeTruthy();

      const stored = await room(b, 'r1');
      expect(stored.metadata).toEqual({ language: 'fr' });
      expect(stored.state).toBe('paused');
      const { events } = await b.call<{ events: { index: number }[] }>('getTimeline', { roomId: 'r1', audit: true, limit: 100 });
      expect(events.map((e) => e.index)).toEqual(events.map((_, i) => i));
    } finally {
      await other.end();
      await a.close();
      await b.close();
    }
  });

  it("still refuse what the stored room does not allow, whichever engine asks", async () => {
    const { a, b } = await twoEngines();
    try {
      await a.call('createRoom', { id: 'r2' });
      await b.call('closeRoom', { roomId: 'r2' });
      const refused = await a.call('pauseRoom', { roomId: 'r2' }).then(() => null, (error: unknown) => error);
      expect(refused).toBeInstanceOf(RoomwireError);
      expect((refused as RoomwireError).httpStatus).toBe(409);
      expect((await room(a, 'r2')).state).toBe('closed');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a metadata change on a room another engine changed unseen is merged into what is stored, never over it', async () => {
    const { a, b, feedOfB } = await twoEngines();
    try {
      await a.call('createRoom', { id: 'r3' });
      await b.call('updateRoomMetadata', { roomId: 'r3', metadata: { topic: 'billing' } });
      feedOfB.hold();
      await a.call('updateRoomMetadata', { roomId: 'r3', metadata: { language: 'fr' } });
      // B has not heard of A's change: its cached room still has only the topic.
      await b.call('updateRoomMetadata', { roomId: 'r3', metadata: { priority: 'high' } });
      await feedOfB.release();
      const expected = { topic: 'billing', language: 'fr', priority: 'high' };
      expect((await room(a, 'r3')).metadata).toEqual(expected);
      expect((await room(b, 'r3')).metadata).toEqual(expected);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a read horizon another engine moved unseen never moves back', async () => {
    const { a, b, feedOfB } = await twoEngines();
    try {
      await a.call('createRoom', { id: 'r4', bindings: [{ channelId: 'console', address: 'agent-1' }] });
      for (let i = 0; i < 6; i++) await a.call('sendEvent', { roomId: 'r4', content: { type: 'text', text: `m${i}` } });
      const agent = (await b.call<{ bindings: Binding[] }>('getRoom', { roomId: 'r4' })).bindings.find((x) => x.address === 'agent-1')!;
      await b.call('markRead', { bindingId: agent.id, index: 3 });
      feedOfB.hold();
      await a.call('markRead', { bindingId: agent.id, index: 5 });
      // B still has the horizon at 3: moving it to 4 from there would undo A's 5.
      const answered = await b.call<Binding>('markRead', { bindingId: agent.id, index: 4 });
      await feedOfB.release();
      expect(answered.lastReadIndex).toBe(5);
      for (const engine of [a, b]) {
        const stored = (await engine.call<{ bindings: Binding[] }>('getRoom', { roomId: 'r4' })).bindings.find((x) => x.id === agent.id)!;
        expect(stored.lastReadIndex).toBe(5);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a binding change on a room another engine changed unseen keeps that change too', async () => {
    const { a, b, feedOfB } = await twoEngines();
    try {
      await a.call('createRoom', { id: 'r5', bindings: [{ channelId: 'console', address: 'agent-1' }] });
      for (const text of ['hello', 'anyone there?']) await a.call('sendEvent', { roomId: 'r5', content: { type: 'text', text } });
      const agent = (await b.call<{ bindings: Binding[] }>('getRoom', { roomId: 'r5' })).bindings.find((x) => x.address === 'agent-1')!;
      await b.call('markRead', { bindingId: agent.id, index: 0 });
      feedOfB.hold();
      await a.call('markRead', { bindingId: agent.id, index: 1 });
      // B mutes the agent from its stale copy of the binding: the mute must not carry the old horizon back.
      await b.call('updateBinding', { bindingId: agent.id, muted: true });
      await feedOfB.release();
      const stored = (await a.call<{ bindings: Binding[] }>('getRoom', { roomId: 'r5' })).bindings.find((x) => x.id === agent.id)!;
      expect(stored).toMatchObject({ muted: true, lastReadIndex: 1 });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
