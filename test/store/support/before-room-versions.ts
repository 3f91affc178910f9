// An SQLite file as an engine before room versions left it (schema version 9): room r1 holds one
// message (e0), its row has no version column and its record no version.
import { SqliteStore } from '../../../runtime/src';
import { Database, OPEN_READ_WRITE } from '../../../runtime/src/store/sqlite/database';
import { messageWrites } from '../../runtime/support/write-sets';

export async function writeFileBeforeRoomVersions(path: string): Promise<void> {
  const store = new SqliteStore(path);
  await store.open();
  await store.commit(messageWrites('r1', 0, 'e0'));
  await store.close();
  const db = await Database.open(path, OPEN_READ_WRITE);
  try {
    await db.exec("ALTER TABLE rooms DROP COLUMN version; UPDATE rooms SET data = json_remove(data, '$.version'); DELETE FROM schema_migrations WHERE version = 10");
  } finally {
    await db.close();
  }
}
