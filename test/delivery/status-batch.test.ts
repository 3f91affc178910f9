// Delivery status changes made in one turn of the event loop share one write set (one pass of the
// group commit), and each caller still resolves only once that write set is durable. Runs on a
// real SQLite file through the real group commit; the committer's `commit` is only observed.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatusBatch } from '../../runtime/src/delivery/status-batch';
import type { Delivery } from '../../runtime/src';
import { cleanupAll } from '../runtime/support/engine';
import { closeCommitters, messageWrites, openCommitter } from '../runtime/support/write-sets';

afterEach(async () => {
  await closeCommitters();
  await cleanupAll();
});

async function queuedDeliveries(count: number) {
  const store = await openCommitter();
  const deliveries: Delivery[] = [];
  for (let i = 0; i < count; i++) {
    const writes = messageWrites(`room-${i}`, 0, `evt-${i}`);
    await store.committer.commit(writes);
    deliveries.push(...writes.deliveries!);
  }
  const commit = vi.spyOn(store.committer, 'commit');
  return { ...store, deliveries, commit, batch: new StatusBatch((writes) => store.committer.commit(writes)) };
}

const sent = (delivery: Delivery): Delivery => ({ ...delivery, status: 'sent', attempts: 1 });

describe('delivery status batch', () => {
  it('status changes of one turn are one write set; each caller resolves after its row is durable', async () => {
    const { batch, deliveries, commit, reader } = await queuedDeliveries(20);
    const seenAtResolve: string[] = [];
    await Promise.all(
      deliveries.map((delivery) =>
        batch.write(sent(delivery)).then(async () => {
          const row = await reader.get<{ status: string }>('SELECT status FROM deliveries WHERE id = ?', [delivery.id]);
          seenAtResolve.push(row!.status);
        }),
      ),
    );
    expect(seenAtResolve).toEqual(deliveries.map(() => 'sent'));
    expect(commit).toHaveBeenCalledTimes(1);
    expect(commit.mock.calls[0]![0].deliveryStatuses).toHaveLength(40);
    // Changes made in a later turn go in the next write set.
    await batch.write({ ...sent(deliveries[0]!), status: 'delivered' });
    expect(commit).toHaveBeenCalledTimes(2);
    const row = await reader.get<{ status: string }>('SELECT status FROM deliveries WHERE id = ?', [deliveries[0]!.id]);
    expect(row!.status).toBe('delivered');
  });

  it('a write set that fails whole fails every caller in it, and a later write is tried afresh', async () => {
    const { batch, deliveries, commit, reader } = await queuedDeliveries(2);
    commit.mockRejectedValueOnce(new Error('disk I/O error'));
    const results = await Promise.allSettled(deliveries.map((delivery) => batch.write(sent(delivery))));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    const stored = await reader.all<{ status: string }>('SELECT status FROM deliveries');
    expect(stored.every((r) => r.status === 'queued')).toBe(true);
    // The same changes, written again, commit: the batch kept nothing of the failed attempt.
    await Promise.all(deliveries.map((delivery) => batch.write(sent(delivery))));
    expect((await reader.all<{ status: string }>('SELECT status FROM deliveries')).map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
  });
});
