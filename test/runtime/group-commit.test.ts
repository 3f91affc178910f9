// DESIGN.md section 13, group commit: write sets that arrive while a transaction is being written
// share the next one, every caller resolves only after its own transaction committed, and a write
// set refused as stale fails alone. Runs on a real SQLite file; the connection's `run` is only
// observed (counting BEGINs), not replaced.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll } from './support/engine';
import type { Identity } from '../../runtime/src';
import { closeCommitters, messageWrites, openCommitter, room, statusWrites } from './support/write-sets';

const NOW = '2025-01-01T00:00:00.000Z';

/** Keeps the thread for `ms`: a caller whose continuation is slow. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

afterEach(async () => {
  await closeCommitters();
  await cleanupAll();
});

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

  it('tells the callers of a large batch in order, a few per turn of the event loop, so other callbacks (the next transaction\'s) run between them', async () => {
    const { committer } = await openCommitter();
    const blocker = committer.commit({ rooms: [room('blocker')] });
    // Queued behind the blocker, the 200 share one transaction.
    const told: string[] = [];
    const callers = Array.from({ length: 200 }, (_, i) =>
      committer.commit({ rooms: [room(`r${i}`)] }).then(() => {
        told.push(`r${i}`);
        // A callback scheduled by the first caller told: it runs before the last caller is told.
        if (i === 0) setImmediate(() => told.push('between'));
      }),
    );
    await blocker;
    await Promise.all(callers);
    const between = told.indexOf('between');
    expect(between).toBeGreaterThan(0);
    expect(between).toBeLessThan(told.length - 1);
    expect(told.filter((name) => name !== 'between')).toEqual(Array.from({ length: 200 }, (_, i) => `r${i}`));
  });

  it('the callers of a batch that commits while the last batch\'s callers are still being told hear after them, in queue order', async () => {
    const { committer } = await openCommitter();
    const told: string[] = [];
    const blocker = committer.commit({ rooms: [room('blocker')] });
    // Batch A waits behind the blocker; each of its callers keeps the thread 1 ms, so telling them
    // takes ~100 ms, while batch B (queued during A's transaction) commits in a few.
    const a = Array.from({ length: 100 }, (_, i) =>
      committer.commit({ rooms: [room(`a${i}`)] }).then(() => {
        told.push(`a${i}`);
        busy(1);
      }),
    );
    await blocker;
    const b = Array.from({ length: 100 }, (_, i) => committer.commit({ rooms: [room(`b${i}`)] }).then(() => told.push(`b${i}`)));
    await Promise.all([...a, ...b]);
    expect(told).toEqual([...Array.from({ length: 100 }, (_, i) => `a${i}`), ...Array.from({ length: 100 }, (_, i) => `b${i}`)]);
  });

  it('close waits until every caller of the last batch is told, however long the callers take', async () => {
    const { committer } = await openCommitter();
    let told = 0;
    const blocker = committer.commit({ rooms: [room('blocker')] });
    // Each caller keeps the thread 1 ms, so telling 200 spans many of close's checks.
    for (let i = 0; i < 200; i++) {
      void committer.commit({ rooms: [room(`r${i}`)] }).then(() => {
        busy(1);
        told++;
      });
    }
    await blocker;
    await committer.close();
    expect(told).toBe(200);
  });

  it('a write set whose room is no longer at the version it expects is refused alone; the others of its batch commit', async () => {
    const { committer, reader } = await openCommitter();
    const first = committer.commit({ rooms: [room('first')] });
    const results = await Promise.allSettled([
      committer.commit({ rooms: [room('kept-1')] }),
      committer.commit({ rooms: [room('stale', 3)], expect: [{ roomId: 'stale', version: 3 }] }),
      committer.commit({ rooms: [room('kept-2')] }),
    ]);
    await first;
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
    const ids = (await reader.all<{ id: string }>('SELECT id FROM rooms ORDER BY id')).map((r) => r.id);
    expect(ids).toEqual(['first', 'kept-1', 'kept-2']);
  });

  it('a batch no row of which is refused is written without savepoints; a refused row has the batch written again, a savepoint per write set', async () => {
    const { committer, statements } = await openCommitter();
    const clean = async (prefix: string) => {
      const first = committer.commit({ rooms: [room(`${prefix}-first`)] });
      await Promise.all([first, ...Array.from({ length: 5 }, (_, i) => committer.commit({ rooms: [room(`${prefix}-${i}`)] }))]);
    };
    await clean('a');
    expect(statements().filter((sql) => sql.startsWith('SAVEPOINT'))).toEqual([]);

    // A unique index refuses one row of the next batch (an identity taking over an address).
    const address = { channelType: 'sms', address: '+15550001111' };
    const identity = (id: string): Identity => ({ id, displayName: id, externalId: null, addresses: [address], aliases: [], metadata: {}, mergedInto: null, createdAt: NOW, updatedAt: NOW });
    await committer.commit({ identities: [identity('idn_owner')] });
    const blocker = committer.commit({ rooms: [room('blocker')] });
    const results = await Promise.allSettled([
      committer.commit({ rooms: [room('b-0')] }),
      committer.commit({ identities: [identity('idn_thief')] }),
      committer.commit({ rooms: [room('b-1')] }),
    ]);
    await blocker;
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(statements().filter((sql) => sql.startsWith('SAVEPOINT'))).toEqual(['SAVEPOINT write_set', 'SAVEPOINT write_set', 'SAVEPOINT write_set']);
  });

  it('the writes of a batch reach SQLite without waiting for one another\'s answers', async () => {
    const { committer, chunkRuns } = await openCommitter();
    /** Queued behind a blocker, one batch: 600 rooms, 600 events and 1,200 deliveries, several chunks each. */
    const batch = async (name: string) => {
      const blocker = committer.commit({ rooms: [room(`${name}-blocker`)] });
      await Promise.all([blocker, ...Array.from({ length: 600 }, (_, i) => committer.commit(messageWrites(`${name}-${i}`, 0, `${name}-e${i}`)))]);
    };
    // The first batch of this shape also prepares its statements.
    await batch('warm-up');
    const before = chunkRuns().length;
    await batch('measured');
    // BEGIN and COMMIT are runs too, each answered before the next is handed over; the chunks of
    // the batch were all handed over before the first of them was answered.
    const runs = chunkRuns().slice(before);
    // Not chunks of the batch: the blocker's BEGIN, room and COMMIT, the batch's BEGIN and COMMIT.
    const chunks = runs.filter((run) => run === 'handed').length - 5;
    const longestHandedOver = Math.max(...runs.join(' ').split('answered').map((stretch) => stretch.split('handed').length - 1));
    expect(chunks).toBeGreaterThan(3);
    expect(longestHandedOver).toBe(chunks);
  });

  it('a batch that stores deliveries and changes their status writes the changes after the rows they change', async () => {
    const { committer, reader } = await openCommitter();
    for (const round of [0, 1, 2]) {
      const blocker = committer.commit({ rooms: [room(`blocker-${round}`)] });
      const messages = Array.from({ length: 600 }, (_, i) => messageWrites(`r${round}-${i}`, 0, `e${round}-${i}`));
      // Both queued behind the blocker, so one transaction holds the rows and their changes.
      const stored = messages.map((writes) => committer.commit(writes));
      const changed = messages.flatMap((writes) => writes.deliveries!.map((delivery) => committer.commit(statusWrites(delivery, 'sent'))));
      await blocker;
      await Promise.all([...stored, ...changed]);
      const statuses = await reader.all<{ status: string; n: number }>(
        'SELECT status, COUNT(*) AS n FROM deliveries WHERE event_id LIKE ? GROUP BY status',
        [`e${round}-%`],
      );
      expect(statuses).toEqual([{ status: 'sent', n: 1200 }]);
    }
  });
});
