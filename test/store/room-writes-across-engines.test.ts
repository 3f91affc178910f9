// Two engines on one PostgreSQL database: a room write that is not a message (metadata, pause,
// assignment, read horizon) may meet a room another engine is writing right now or has written
// since. The store refuses it whole; the engine runs it again on the stored room instead of
// answering 409, as it does for messages, while a
// refusal that is the caller's (a state change the stored room does not allow) still answers 409.
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Engine, RoomwireError, type PostgresStore, type Room } from '../../runtime/src';
import { connectionConfig } from '../../runtime/src/store/postgres/connection';
import { until } from '../runtime/support/engine';
import { dropSchema, freshSchema, POSTGRES_URL, postgresAvailable, postgresStore } from '../support/postgres';

const withPostgres = await postgresAvailable();
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

async function twoEngines(): Promise<{ a: Engine; b: Engine; storeOfA: PostgresStore; schema: string }> {
  const schema = freshSchema();
  schemas.push(schema);
  const storeOfA = postgresStore(schema);
  return { a: await Engine.open({ store: storeOfA }), b: await Engine.open({ store: postgresStore(schema) }), storeOfA, schema };
}

const room = async (engine: Engine, roomId: string) => (await engine.call<{ room: Room }>('getRoom', { roomId })).room;

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
});
