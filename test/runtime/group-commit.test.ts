// DESIGN.md section 13, group commit: write sets that arrive while a transaction is being written
// share the next one, every caller resolves only after its own transaction committed, and a write
// set refused as stale fails alone. Runs on a real SQLite file; the connection's `run` is only
// observed (counting BEGINs), not replaced.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Room } from '../../runtime/src';
import { Database, OPEN_READ_ONLY, OPEN_READ_WRITE } from '../../runtime/src/store/sqlite/database';
import { GroupCommitter } from '../../runtime/src/store/sqlite/group-commit';
import { MIGRATIONS } from '../../runtime/src/store/sqlite/migrations';
import { cleanupAll, tempDir } from './support/engine';

const open: Database[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
  await cleanupAll();
});

function room(id: string): Room {
  const now = new Date().toISOString();
  return { id, state: 'active', timers: {}, metadata: {}, tenantId: null, latestIndex: -1, createdAt: now, updatedAt: now };
}

async function openCommitter(): Promise<{ committer: GroupCommitter; writer: Database; reader: Database; begins: () => number }> {
  const path = join(tempDir(), 'group.sqlite');
  const writer = await Database.open(path, OPEN_READ_WRITE);
  await writer.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
  for (const migration of MIGRATIONS) await writer.exec(migration.sql);
  const reader = await Database.open(path, OPEN_READ_ONLY);
  open.push(reader, writer);
  const run = vi.spyOn(writer, 'run');
  const begins = () => run.mock.calls.filter(([sql]) => sql === 'BEGIN IMMEDIATE').length;
  return { committer: new GroupCommitter(writer), writer, reader, begins };
}

describe('group commit', () => {
  it('many write sets share a transaction; each caller resolves after its rows are durable', async () => {
    const { committer, reader, begins } = await openCommitter();
    const seenAtResolve: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        committer.commit({ rooms: [room(`r${i}`)] }).then(async () => {
          // Another connection sees the row as soon as the caller is told it committed.
          const row = await reader.get<{ n: number }>('SELECT COUNT(*) AS n FROM rooms WHERE id = ?', [`r${i}`]);
          seenAtResolve.push(row!.n);
        }),
      ),
    );
    expect(seenAtResolve).toHaveLength(200);
    expect(seenAtResolve.every((n) => n === 1)).toBe(true);
    // The first write set goes alone; the rest queue behind it and share far fewer transactions.
    expect(begins()).toBeGreaterThanOrEqual(2);
    expect(begins()).toBeLessThan(20);
  });

  it('a write set whose inputs went stale is refused alone; the others of its batch commit', async () => {
    const { committer, reader } = await openCommitter();
    const first = committer.commit({ rooms: [room('first')] });
    const results = await Promise.allSettled([
      committer.commit({ rooms: [room('kept-1')] }),
      committer.commit({ rooms: [room('stale')] }, () => false),
      committer.commit({ rooms: [room('kept-2')] }),
    ]);
    await first;
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
    const ids = (await reader.all<{ id: string }>('SELECT id FROM rooms ORDER BY id')).map((r) => r.id);
    expect(ids).toEqual(['first', 'kept-1', 'kept-2']);
  });
});
