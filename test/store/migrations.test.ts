// Schema changes reach databases made by earlier versions: the migration runs on open, once, and
// keeps what was stored.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqliteStore, type Store } from '../../runtime/src';
import type { DeliveryStatus } from '../../runtime/src/model';
import type { Timer } from '../../runtime/src/timers/types';
import { PG_MIGRATIONS } from '../../runtime/src/store/postgres/migrations';
import { Database, OPEN_READ_WRITE } from '../../runtime/src/store/sqlite/database';
import { MIGRATIONS } from '../../runtime/src/store/sqlite/migrations';
import { DELIVERIES_THROUGH_EVENTS, latestDeliveryToBindingQuery, roomDeliveriesQuery, roomDeliveryCountsQuery } from '../../runtime/src/store/room-deliveries';
import { cleanupAll, tempDir } from '../runtime/support/engine';
import { binding, messageWrites } from '../runtime/support/write-sets';
import { dropSchema, freshSchema, pgQuery, POSTGRES_URL, postgresAvailable, postgresStore } from '../support/postgres';
import { until } from '../support/wait';
import { writeFileBeforeRoomVersions } from './support/before-room-versions';

afterEach(cleanupAll);

const withPostgres = await postgresAvailable();
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

/**
 * A room stored before rooms had versions reads back at version 0, and the compare-and-set holds
 * from its first write on: a write expecting version 0 commits, one computed from nothing is refused.
 */
async function expectVersionedFromZero(upgraded: Store): Promise<void> {
  expect(await upgraded.getRoom('r1')).toMatchObject({ id: 'r1', latestIndex: 0, version: 0 });
  await expect(upgraded.commit({ ...messageWrites('r1', 1, 'e1'), expect: [{ roomId: 'r1', version: null }] })).rejects.toMatchObject({ code: 'conflict' });
  await upgraded.commit({ ...messageWrites('r1', 1, 'e1'), expect: [{ roomId: 'r1', version: 0 }] });
  expect(await upgraded.getRoom('r1')).toMatchObject({ latestIndex: 1, version: 2 });
  await expect(upgraded.commit({ ...messageWrites('r1', 2, 'e2'), expect: [{ roomId: 'r1', version: 0 }] })).rejects.toMatchObject({ code: 'conflict' });
}

async function deliveryIndexes(path: string): Promise<string[]> {
  const db = await Database.open(path, OPEN_READ_WRITE);
  try {
    const rows = await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries' AND sql IS NOT NULL ORDER BY name");
    return rows.map((row) => row.name);
  } finally {
    await db.close();
  }
}

describe('SQLite migrations', () => {
  it('drop the index of deliveries by status, which no query reads, from a database of the version before; its deliveries stay', async () => {
    const path = join(tempDir(), 'upgrade.sqlite');
    const writes = messageWrites('r1', 0, 'e0');
    const first = new SqliteStore(path);
    await first.open();
    await first.commit(writes);
    await first.close();
    // The database as version 7 left it: the index there, migration 8 not applied.
    const old = await Database.open(path, OPEN_READ_WRITE);
    await old.exec("CREATE INDEX deliveries_pending ON deliveries(status, updated_at) WHERE status IN ('queued', 'sent'); DELETE FROM schema_migrations WHERE version = 8");
    await old.close();
    expect(await deliveryIndexes(path)).toContain('deliveries_pending');

    const upgraded = new SqliteStore(path);
    await upgraded.open();
    try {
      expect(await upgraded.listDeliveriesForEvent('e0')).toEqual(writes.deliveries);
    } finally {
      await upgraded.close();
    }
    expect(await deliveryIndexes(path)).not.toContain('deliveries_pending');
    expect(await deliveryIndexes(path)).toEqual(['deliveries_by_event', 'deliveries_by_fallback_of', 'deliveries_by_provider_message', 'deliveries_queued']);
  });

  it('take the fallback origin of stored deliveries into a column a second step from the same delivery cannot share', async () => {
    const path = join(tempDir(), 'upgrade.sqlite');
    const writes = messageWrites('r1', 0, 'e0');
    const [original, fallback] = writes.deliveries!;
    writes.deliveries = [original!, { ...fallback!, fallbackOf: original!.id }];
    const first = new SqliteStore(path);
    await first.open();
    await first.commit(writes);
    await first.close();
    // The database as version 8 left it: no column, migration 9 not applied.
    const old = await Database.open(path, OPEN_READ_WRITE);
    await old.exec('DROP INDEX deliveries_by_fallback_of; ALTER TABLE deliveries DROP COLUMN fallback_of; DELETE FROM schema_migrations WHERE version = 9');
    await old.close();

    const upgraded = new SqliteStore(path);
    await upgraded.open();
    try {
      expect(await upgraded.listDeliveriesForEvent('e0')).toEqual(writes.deliveries);
      const second = { ...writes.deliveries[1]!, id: 'e0-second-step' };
      await expect(upgraded.commit({ deliveries: [second] })).rejects.toMatchObject({ code: 'conflict' });
    } finally {
      await upgraded.close();
    }
    expect(await deliveryIndexes(path)).toContain('deliveries_by_fallback_of');
  });

  it("drop the index of deliveries by room from a database of the version before; a room's deliveries are found through its events", async () => {
    const path = join(tempDir(), 'upgrade.sqlite');
    const first = new SqliteStore(path);
    await first.open();
    const written = [messageWrites('r1', 0, 'e0'), messageWrites('r1', 1, 'e1')];
    for (const writes of written) await first.commit(writes);
    await first.close();
    // The database as version 10 left it.
    const old = await Database.open(path, OPEN_READ_WRITE);
    await old.exec('CREATE INDEX deliveries_by_room ON deliveries(room_id, event_index, id); DELETE FROM schema_migrations WHERE version = 11');
    await old.close();

    const upgraded = new SqliteStore(path);
    await upgraded.open();
    try {
      const deliveries = written.flatMap((writes) => writes.deliveries!);
      expect(await upgraded.listRoomDeliveries('r1', {})).toEqual([...deliveries].sort((a, b) => a.eventIndex - b.eventIndex || (a.id < b.id ? -1 : 1)));
      expect(await upgraded.countRoomDeliveries('r1', {})).toEqual({ queued: deliveries.length });
    } finally {
      await upgraded.close();
    }
    expect(await deliveryIndexes(path)).not.toContain('deliveries_by_room');
  });

  it("drop the index of deliveries by binding from a database of the version before; a participant's latest delivery is found through the room's events", async () => {
    const path = join(tempDir(), 'upgrade.sqlite');
    const first = new SqliteStore(path);
    await first.open();
    await first.commit({ bindings: [binding('r1', 'agent')] });
    for (const writes of [messageWrites('r1', 0, 'e0'), messageWrites('r1', 1, 'e1')]) await first.commit(writes);
    await first.close();
    // The database as version 11 left it.
    const old = await Database.open(path, OPEN_READ_WRITE);
    await old.exec('CREATE INDEX deliveries_by_binding ON deliveries(binding_id); DELETE FROM schema_migrations WHERE version = 12');
    await old.close();
    expect(await deliveryIndexes(path)).toContain('deliveries_by_binding');

    const upgraded = new SqliteStore(path);
    await upgraded.open();
    try {
      expect((await upgraded.findLatestDeliveryForBinding('r1-agent'))?.id).toBe('e1-agent');
    } finally {
      await upgraded.close();
    }
    expect(await deliveryIndexes(path)).not.toContain('deliveries_by_binding');
  });

  it('give every room a version, 0 for the rooms stored before, which every later write of the room moves', async () => {
    const path = join(tempDir(), 'upgrade.sqlite');
    await writeFileBeforeRoomVersions(path);

    const upgraded = new SqliteStore(path);
    await upgraded.open();
    try {
      await expectVersionedFromZero(upgraded);
    } finally {
      await upgraded.close();
    }
  });
});

describe('SQLite indexes', () => {
  /** Each step of SQLite's plan for a query of the room's deliveries, on a fresh store's file. */
  async function planOf(query: { sql: string; params: unknown[] }): Promise<string[]> {
    const path = join(tempDir(), 'plan.sqlite');
    const store = new SqliteStore(path);
    await store.open();
    await store.close();
    const db = await Database.open(path, OPEN_READ_WRITE);
    try {
      return (await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${query.sql}`, query.params)).map((step) => step.detail);
    } finally {
      await db.close();
    }
  }

  const pages = {
    'the first page': {},
    'a later page': { after: { eventIndex: 40, id: 'dlv_x' } },
    'a page of one binding': { bindingId: 'bnd_x' },
    'a page of some statuses': { statuses: ['failed', 'undelivered'] as DeliveryStatus[] },
  };
  for (const [name, query] of Object.entries(pages)) {
    it(`read ${name} of a room's deliveries from the room's events on, sorting only each event's deliveries`, async () => {
      const plan = await planOf(roomDeliveriesQuery(DELIVERIES_THROUGH_EVENTS, 'r1', { limit: 50, ...query }));
      expect(plan[0]).toMatch(/^SEARCH e USING INDEX events_by_room_index \(room_id=\?( AND idx>\?)?\)$/);
      expect(plan[1]).toBe('SEARCH d USING INDEX deliveries_by_event (event_id=?)');
      expect(plan.slice(2)).toEqual(['USE TEMP B-TREE FOR LAST TERM OF ORDER BY']);
    });
  }

  it("read a participant's latest delivery from the room's newest events back, bounded below by the room's newest index", async () => {
    const plan = await planOf(latestDeliveryToBindingQuery(DELIVERIES_THROUGH_EVENTS, 'bnd_x'));
    expect(plan.filter((step) => step.startsWith('SEARCH') || step.startsWith('SCAN'))).toEqual([
      'SEARCH e USING INDEX events_by_room_index (room_id=? AND idx>?)',
      'SEARCH bindings USING INDEX sqlite_autoindex_bindings_1 (id=?)',
      'SEARCH b USING INDEX sqlite_autoindex_bindings_1 (id=?)',
      'SEARCH r USING INDEX sqlite_autoindex_rooms_1 (id=?)',
      'SEARCH d USING INDEX deliveries_by_event (event_id=?)',
    ]);
  });

  it("count a room's deliveries from the room's events", async () => {
    const plan = await planOf(roomDeliveryCountsQuery(DELIVERIES_THROUGH_EVENTS, 'r1', { bindingId: 'bnd_x' }));
    expect(plan.slice(0, 2)).toEqual(['SEARCH e USING INDEX events_by_room_index (room_id=?)', 'SEARCH d USING INDEX deliveries_by_event (event_id=?)']);
  });
});

/** A fresh PostgreSQL schema, migrated by this version, holding room r1 with one message (e0). */
async function schemaWithRoomR1(): Promise<string> {
  const schema = freshSchema();
  schemas.push(schema);
  const first = postgresStore(schema);
  await first.open();
  await first.commit(messageWrites('r1', 0, 'e0'));
  await first.close();
  return schema;
}

/** What opening a database migrated by the next version of Roomwire says. */
function newerSchemaRefusal(newestKnown: number): string {
  return `was migrated by a newer Roomwire (schema version ${newestKnown + 1}; this version knows up to ${newestKnown}): upgrade Roomwire to use it`;
}

describe('SQLite schema from a newer version', () => {
  it('is refused on open, naming the versions, with the file left as it was and free for the version that knows it', async () => {
    const path = join(tempDir(), 'newer.sqlite');
    const writes = messageWrites('r1', 0, 'e0');
    const first = new SqliteStore(path);
    await first.open();
    await first.commit(writes);
    await first.close();
    const newest = MIGRATIONS.at(-1)!.version;
    const db = await Database.open(path, OPEN_READ_WRITE);
    const onFile = (sql: string, params: unknown[]) => db.run(sql, params);
    await onFile('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [newest + 1, new Date().toISOString()]);

    await expect(new SqliteStore(path).open()).rejects.toThrow(newerSchemaRefusal(newest));
    // Another process (the newer version, started next) finds the file free.
    expect(existsSync(`${path}.lock`)).toBe(false);

    // Without the newer migration the same file opens at once: nothing was changed or kept locked.
    await onFile('DELETE FROM schema_migrations WHERE version = ?', [newest + 1]);
    await db.close();
    const known = new SqliteStore(path);
    await known.open();
    try {
      expect(await known.getEvent('e0')).toEqual(writes.events![0]);
    } finally {
      await known.close();
    }
  });
});

describe.skipIf(!withPostgres)('PostgreSQL schema from a newer version', () => {
  it('is refused on open, naming the versions, with its connections closed, and opens once the newer migration is not there', async () => {
    const schema = await schemaWithRoomR1();
    const newest = PG_MIGRATIONS.at(-1)!.version;
    await pgQuery(schema, 'INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [newest + 1, new Date().toISOString()]);

    // Connections named after the test, to find them on the server.
    const name = `${schema}_opening`;
    const named = { connectionString: `${POSTGRES_URL}?application_name=${name}` };
    const connected = async () => (await pgQuery<{ n: number }>(schema, 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [name]))[0]!.n;

    const older = postgresStore(schema, named);
    await expect(older.open()).rejects.toThrow(newerSchemaRefusal(newest));
    // Nothing of the refused store stays connected in a process that goes on (Node-RED).
    await until(async () => (await connected()) === 0 || undefined, 'the refused store disconnected');

    await pgQuery(schema, 'DELETE FROM schema_migrations WHERE version = $1', [newest + 1]);
    const known = postgresStore(schema, named);
    await known.open();
    try {
      expect(await known.getRoom('r1')).toMatchObject({ id: 'r1' });
      expect(await connected()).toBeGreaterThan(0);
    } finally {
      await known.close();
    }
  });
});

describe.skipIf(!withPostgres)('PostgreSQL migrations', () => {
  it('give every room a version, 0 for the rooms stored before, which every later write of the room moves', async () => {
    const schema = await schemaWithRoomR1();
    // The database as version 6 left it: no column, no version in the records.
    await pgQuery(schema, "ALTER TABLE rooms DROP COLUMN version; UPDATE rooms SET data = (data::jsonb - 'version')::text; DELETE FROM schema_migrations WHERE version = 7");

    const upgraded = postgresStore(schema);
    await upgraded.open();
    try {
      await expectVersionedFromZero(upgraded);
    } finally {
      await upgraded.close();
    }
  });

  it("drop the index of deliveries by binding, which no query reads any more; a participant's latest delivery is found by room", async () => {
    const schema = await schemaWithRoomR1();
    const indexes = async () => (await pgQuery<{ name: string }>(schema, "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'deliveries'")).map((row) => row.name);
    // The database as version 7 left it.
    await pgQuery(schema, 'CREATE INDEX deliveries_by_binding ON deliveries(binding_id, seq); DELETE FROM schema_migrations WHERE version = 8');
    expect(await indexes()).toContain('deliveries_by_binding');

    const upgraded = postgresStore(schema);
    await upgraded.open();
    try {
      await upgraded.commit({ bindings: [binding('r1', 'agent')] });
      expect((await upgraded.findLatestDeliveryForBinding('r1-agent'))?.id).toBe('e0-agent');
    } finally {
      await upgraded.close();
    }
    expect(await indexes()).not.toContain('deliveries_by_binding');
  });

  it('stops a running instance writing, claiming and renewing once another migrates the schema further, while reads go on', async () => {
    const schema = await schemaWithRoomR1();
    const newest = PG_MIGRATIONS.at(-1)!.version;
    const running = postgresStore(schema);
    await running.open();
    try {
      const lease = { owner: 'eng_running', until: Date.now() + 60_000 };
      const timer = { id: 'tmr_due', kind: 'room_inactive', roomId: 'r1', dueAt: 0 } as unknown as Timer;
      await running.commit({ timers: [timer] });
      // Another instance, upgraded, migrates the shared schema while this one runs.
      await pgQuery(schema, 'INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [newest + 1, new Date().toISOString()]);

      const refused = newerSchemaRefusal(newest);
      await expect(running.commit({ ...messageWrites('r1', 1, 'e1'), expect: [{ roomId: 'r1', version: 1 }] })).rejects.toThrow(refused);
      await expect(running.claimDeliveries(lease, 10)).rejects.toThrow(refused);
      await expect(running.renewDeliveryLeases(lease)).rejects.toThrow(refused);
      await expect(running.claimDueTimers(Date.now(), lease, 10)).rejects.toThrow(refused);
      // What it holds it may still let go of, for the instances that can record what they send.
      await running.renewDeliveryLeases({ owner: lease.owner, until: 0 });
      expect(await running.getRoom('r1')).toMatchObject({ latestIndex: 0 });
      expect(await running.getEvent('e1')).toBeNull();

      // The same calls go through on the schema this version knows: the refused transaction left
      // the writer connection ready for the next one.
      await pgQuery(schema, 'DELETE FROM schema_migrations WHERE version = $1', [newest + 1]);
      await running.commit({ ...messageWrites('r1', 1, 'e1'), expect: [{ roomId: 'r1', version: 1 }] });
      expect(await running.getEvent('e1')).toMatchObject({ id: 'e1' });
      expect((await running.claimDeliveries(lease, 10)).map((d) => d.id).sort()).toEqual(['e0-agent', 'e0-ai', 'e1-agent', 'e1-ai']);
      await running.renewDeliveryLeases(lease);
      expect((await running.claimDueTimers(Date.now(), lease, 10)).map((t) => t.id)).toEqual(['tmr_due']);
    } finally {
      await running.close();
    }
  });
});
