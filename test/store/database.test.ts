// A statement that fails to prepare (a bad table, a disk I/O error on a file going away) is an
// error of the call that asked for it, never an 'error' event nobody listens to: sqlite3 emits
// one when `prepare` has no callback, and an unheard 'error' event ends the process.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Database, OPEN_READ_WRITE } from '../../runtime/src/store/sqlite/database';
import { cleanupAll, tempDir } from '../runtime/support/engine';

afterEach(cleanupAll);

describe('a statement that cannot be prepared', () => {
  it('rejects the call that needed it, twice in a row, and nothing escapes as an uncaught error', async () => {
    const db = await Database.open(join(tempDir(), 'prepare.sqlite'), OPEN_READ_WRITE);
    try {
      await expect(db.run('INSERT INTO missing (id) VALUES (?)', [1])).rejects.toThrow(/no such table: missing/);
      await expect(db.all('SELECT * FROM missing')).rejects.toThrow(/no such table: missing/);
      // Prepared again once the table exists: the failed statement was not kept.
      await db.exec('CREATE TABLE missing (id INTEGER)');
      await expect(db.run('INSERT INTO missing (id) VALUES (?)', [1])).resolves.toBe(1);
    } finally {
      await db.close();
    }
  });
});
