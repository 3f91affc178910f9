// Schema changes reach databases made by earlier versions: the migration runs on open, once, and
// keeps what was stored.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../runtime/src';
import { Database, OPEN_READ_WRITE } from '../../runtime/src/store/sqlite/database';
import { cleanupAll, tempDir } from '../runtime/support/engine';
import { messageWrites } from '../runtime/support/write-sets';

afterEach(cleanupAll);

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
    expect(await deliveryIndexes(path)).toEqual(['deliveries_by_binding', 'deliveries_by_event', 'deliveries_by_fallback_of', 'deliveries_by_provider_message', 'deliveries_by_room', 'deliveries_queued']);
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
});
