// The SQLite → PostgreSQL copy (roomwire-migrate) is verified record by record: a record that reads
// back differently from the target is reported by table and id, whatever table it is in.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PostgresStore, SqliteStore, copySqliteInto, type Delivery } from '../../runtime/src';
import { cleanupAll, tempDir } from '../runtime/support/engine';
import { messageWrites } from '../runtime/support/write-sets';
import { POSTGRES_URL, dropSchema, freshSchema, postgresAvailable } from '../support/postgres';
import { writeFileBeforeRoomVersions } from './support/before-room-versions';
import { join } from 'node:path';

const withPostgres = await postgresAvailable();
const schemas: string[] = [];
afterEach(cleanupAll);
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

/** A target that reads one delivery back with another status, as a lost status change would leave it. */
class OneDeliveryDiffers extends PostgresStore {
  differing: string | null = null;
  override async getDelivery(id: string): Promise<Delivery | null> {
    const found = await super.getDelivery(id);
    return found && id === this.differing ? { ...found, status: 'queued' } : found;
  }
}

describe.skipIf(!withPostgres)('copying SQLite into PostgreSQL', () => {
  it('reports every record that reads back differently, not only timelines', async () => {
    const path = join(tempDir(), 'source.sqlite');
    const source = new SqliteStore(path);
    await source.open();
    const writes = messageWrites('r1', 0, 'e0');
    writes.deliveries = writes.deliveries!.map((d) => ({ ...d, status: 'delivered' }));
    await source.commit(writes);
    await source.close();

    for (const differing of [null, writes.deliveries[0]!.id]) {
      const schema = freshSchema();
      schemas.push(schema);
      const target = new OneDeliveryDiffers({ connectionString: POSTGRES_URL, schema, poolSize: 2 });
      target.differing = differing;
      await target.open();
      try {
        const report = await copySqliteInto(path, target);
        expect(report.copied).toMatchObject({ rooms: 1, events: 1, deliveries: 2 });
        expect(report.mismatches).toEqual(differing ? [`deliveries ${differing}`] : []);
      } finally {
        await target.close();
      }
    }
  });

  it('copies a file whose rooms were stored before rooms had versions: they arrive at version 0 and take their next write', async () => {
    const path = join(tempDir(), 'before-versions.sqlite');
    // roomwire-migrate reads the file as it is, without migrating it.
    await writeFileBeforeRoomVersions(path);

    const schema = freshSchema();
    schemas.push(schema);
    const target = new PostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 2 });
    await target.open();
    try {
      const report = await copySqliteInto(path, target);
      expect(report).toMatchObject({ copied: { rooms: 1, events: 1 }, mismatches: [] });
      expect(await target.getRoom('r1')).toMatchObject({ latestIndex: 0, version: 0 });
      await target.commit({ ...messageWrites('r1', 1, 'e1'), expect: [{ roomId: 'r1', version: 0 }] });
      expect((await target.listEvents('r1', {})).map((e) => e.id)).toEqual(['e0', 'e1']);
    } finally {
      await target.close();
    }
  });
});
