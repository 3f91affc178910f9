// A change-feed listener cut off for longer than its window (60 s) catches up from the log: every
// row committed meanwhile is handed on once, also rows whose ids are lower than one it heard just
// before the cut (transactions that were committing at that moment). Catching up used to age out
// the ids heard before the cut on its first row and move the horizon past the rows still to come.
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { Change } from '../../runtime/src/store/store';
import { connectionConfig } from '../../runtime/src/store/postgres/connection';
import { POSTGRES_URL, dropSchema, freshSchema, pgQuery, postgresAvailable, postgresStore } from '../support/postgres';
import { until } from '../support/wait';

const withPostgres = await postgresAvailable();
const schemas: string[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
});
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

function change(event: string): Change {
  return { origin: 'other-engine', rooms: [], events: [event], sideEffects: [], deliveries: [], identities: [], hooks: [], deletedHooks: [], timerDueAt: null, fallbacks: [] };
}

/** Another engine's group commit, stopped just before its COMMIT: its log row (and id) is taken. */
async function committing(schema: string, channel: string, event: string): Promise<{ id: number; commit: () => Promise<void> }> {
  const client = new pg.Client(connectionConfig(POSTGRES_URL, schema));
  await client.connect();
  closers.push(() => client.end());
  await client.query('BEGIN');
  const payload = JSON.stringify(change(event));
  const { rows } = await client.query<{ id: string }>("INSERT INTO change_payloads (origin, payload) VALUES ('other-engine', $1) RETURNING id", [payload]);
  const id = Number(rows[0]!.id);
  await client.query(`SELECT pg_notify($1, $2)`, [channel, `${id} other-engine ${payload}`]);
  return { id, commit: async () => void (await client.query('COMMIT')) };
}

describe.skipIf(!withPostgres)('a change-feed listener back after more than the window', () => {
  it('after a 61 s outage, hands on every row committed meanwhile, even two committing at the moment of the cut', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const store = postgresStore(schema, { onError: () => undefined });
    await store.open();
    closers.push(() => store.close());
    const channel = store.changes.channel;
    const heard: string[] = [];
    store.changes.subscribe((notice) => {
      if (!('resync' in notice)) heard.push(...notice.events);
    });

    // Two transactions of other engines are committing when a third one commits and is heard.
    const first = await committing(schema, channel, 'e1');
    const second = await committing(schema, channel, 'e2');
    const third = await committing(schema, channel, 'e3');
    await third.commit();
    await until(() => heard.includes('e3'), 'e3 heard live');
    expect(first.id < second.id && second.id < third.id).toBe(true);

    // The listener's connection drops; the two commit a moment later; it is back 61 s later.
    const cut = await pgQuery(schema, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1', [`LISTEN "${channel}"`]);
    expect(cut).toHaveLength(1);
    await first.commit();
    await second.commit();
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 61_000);

    await until(() => heard.includes('e2'), 'the listener back and catching up both rows', 15_000);
    expect(heard).toEqual(['e3', 'e1', 'e2']);
  }, 30_000);
});
