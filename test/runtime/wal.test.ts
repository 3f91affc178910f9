// The write-ahead log of the SQLite store starts over from its beginning even while writes never
// stop. Passive checkpoints alone never let it: the WAL file (and its index, mapped into memory)
// grew by about 13 KB per message, 13 GB over a million. Observed on a real file: the WAL header's
// checkpoint sequence number counts the restarts.
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../runtime/src';
import { Database, OPEN_READ_ONLY, OPEN_READ_WRITE } from '../../runtime/src/store/sqlite/database';
import { PAGE_BYTES, WAL_LIMITS } from '../../runtime/src/store/sqlite/sqlite-store';
import { until } from '../support/wait';
import { cleanupAll, tempDir } from './support/engine';
import { messageWrites } from './support/write-sets';

afterEach(cleanupAll);

/** The WAL header's checkpoint sequence number: it changes each time the WAL starts over. */
function walSequence(path: string): number {
  const fd = openSync(`${path}-wal`, 'r');
  try {
    const header = Buffer.alloc(16);
    readSync(fd, header, 0, 16, 0);
    return header.readUInt32BE(12);
  } finally {
    closeSync(fd);
  }
}

/** A database file made by an older Roomwire: SQLite's default 4 KB pages, already in WAL mode. */
async function databaseWithSmallPages(path: string): Promise<void> {
  const file = await Database.open(path, OPEN_READ_WRITE);
  try {
    await file.exec('PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE made_before (id TEXT);');
  } finally {
    await file.close();
  }
}

async function pageSizeOf(path: string): Promise<number> {
  const file = await Database.open(path, OPEN_READ_ONLY);
  try {
    return (await file.get<{ page_size: number }>('PRAGMA page_size'))!.page_size;
  } finally {
    await file.close();
  }
}

describe('write-ahead log', () => {
  for (const made of ['new', 'made with 4 KB pages'] as const) {
    it(`starts over while writes never stop (a database ${made})`, async () => {
      const path = join(tempDir(), 'wal.sqlite');
      if (made !== 'new') await databaseWithSmallPages(path);
      const store = new SqliteStore(path, 1024 * 1024);
      await store.open();
      try {
        await store.commit(messageWrites('room-0', 0, 'evt-first'));
        const first = walSequence(path);
        // Writers that never pause: a commit is always queued behind the one being written.
        let stop = false;
        let written = 0;
        const writer = async (lane: number) => {
          for (let i = 0; !stop; i++) {
            await store.commit(messageWrites(`lane-${lane}`, i, `evt-${lane}-${i}`));
            written++;
          }
        };
        const writers = Array.from({ length: 50 }, (_, lane) => writer(lane));
        try {
          // Twice: once could be the checkpoint catching up in a lull.
          await until(() => walSequence(path) - first >= 2, 'the WAL to start over twice', 15_000);
        } finally {
          stop = true;
          await Promise.all(writers);
        }
        expect(written).toBeGreaterThan(0);
      } finally {
        await store.close();
      }
    }, 30_000);
  }

  it('restarts before the file reaches the size a restart cuts it back to, so the file is written over in place', () => {
    // A file that grows again after every restart stalled commits (docs/decisions.md, Persistence).
    expect(WAL_LIMITS.restartBytes).toBeLessThan(WAL_LIMITS.sizeLimitBytes);
  });
});

describe('database pages', () => {
  it('a new database is made with 16 KB pages', async () => {
    const path = join(tempDir(), 'pages.sqlite');
    const store = new SqliteStore(path);
    await store.open();
    await store.close();
    expect(PAGE_BYTES).toBe(16 * 1024);
    expect(await pageSizeOf(path)).toBe(PAGE_BYTES);
  });

  it('a database made with other pages keeps them and is written as before', async () => {
    const path = join(tempDir(), 'older.sqlite');
    await databaseWithSmallPages(path);
    const store = new SqliteStore(path);
    await store.open();
    try {
      await store.commit(messageWrites('room-0', 0, 'evt-kept'));
      expect((await store.getEvent('evt-kept'))?.id).toBe('evt-kept');
    } finally {
      await store.close();
    }
    expect(await pageSizeOf(path)).toBe(4096);
  });
});
