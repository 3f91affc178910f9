// The write-ahead log of the SQLite store starts over from its beginning even while writes never
// stop. Passive checkpoints alone never let it: the WAL file (and its index, mapped into memory)
// grew by about 13 KB per message, 13 GB over a million. Observed on a real file: the WAL header's
// checkpoint sequence number counts the restarts.
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../runtime/src';
import { Database, OPEN_READ_ONLY } from '../../runtime/src/store/sqlite/database';
import { WAL_LIMITS } from '../../runtime/src/store/sqlite/sqlite-store';
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

describe('write-ahead log', () => {
  it('starts over while writes never stop', async () => {
    const path = join(tempDir(), 'wal.sqlite');
    const restartAfterFrames = 256;
    const store = new SqliteStore(path, restartAfterFrames);
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

  it('restarts before the file reaches the size a restart cuts it back to, so the file is written over in place', async () => {
    const path = join(tempDir(), 'pages.sqlite');
    const store = new SqliteStore(path);
    await store.open();
    const file = await Database.open(path, OPEN_READ_ONLY);
    try {
      const pageBytes = (await file.get<{ page_size: number }>('PRAGMA page_size'))?.page_size ?? 0;
      expect(pageBytes).toBeGreaterThan(0);
      // A file that grows again after every restart stalled commits (docs/decisions.md, Persistence).
      expect(WAL_LIMITS.restartFrames * pageBytes).toBeLessThan(WAL_LIMITS.sizeLimitBytes);
    } finally {
      await file.close();
      await store.close();
    }
  });
});
