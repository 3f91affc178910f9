// Delivery status changes made in one turn of the event loop go to the store as one write set.
// A sent message's status changes arrive in waves (every delivery of a committed batch is sent in
// the same turn); one write set per change cost the group commit a queue entry, a promise pair
// and a pass of every table scan per change. Status updates never conflict with other writes
// (the upsert itself only moves a status forward), so sharing a write set cannot make one fail
// for another; a write set that fails whole (the disk) fails each caller, who tries again.
import type { Delivery } from '../model';
import type { WriteSet } from '../store/store';

export class StatusBatch {
  private pending: Delivery[] = [];
  private written: Promise<void> = Promise.resolve();

  constructor(private readonly commit: (writes: WriteSet) => Promise<void>) {}

  /** Resolves once the write set holding this change is durable. */
  write(delivery: Delivery): Promise<void> {
    if (this.pending.length === 0) {
      this.written = new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          const deliveries = this.pending;
          this.pending = [];
          this.commit({ deliveryStatuses: deliveries }).then(resolve, reject);
        });
      });
    }
    this.pending.push(delivery);
    return this.written;
  }
}
