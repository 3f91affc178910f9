// Group commit (DESIGN.md section 13): while one transaction is being written and synced, new
// write sets queue up; the next transaction takes all of them. Each caller's promise resolves
// only after the transaction that holds its writes has committed durably. Each write set fails
// alone: one refused by a unique index does not take the others of its transaction with it.
import { RoomwireError } from '../../errors';
import type { WriteSet } from '../store';
import type { Database } from './database';
import { writeSets } from './write-sets';

interface Pending {
  writes: WriteSet;
  /** Checked just before the transaction: false refuses this write set (its inputs went stale). */
  isCurrent?: () => boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Why each write set of a batch was refused, by position; `undefined`: it committed. */
type Refusals = (unknown | undefined)[];

export class GroupCommitter {
  private queue: Pending[] = [];
  private draining = false;
  private closed = false;
  private walRestartWanted = false;

  constructor(
    private readonly db: Database,
    private readonly maxBatch = 4000,
  ) {}

  commit(writes: WriteSet, isCurrent?: () => boolean): Promise<void> {
    if (this.closed) return Promise.reject(new RoomwireError('internal', 'the store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ writes, isCurrent, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /**
   * A RESTART checkpoint on the writer, between two transactions. The WAL only starts over from
   * its beginning when a checkpoint has copied all of it back before a transaction begins; under
   * constant writes the passive checkpoints never catch up, and the WAL file (and its index, mapped
   * into memory) would grow for as long as the writes go on. Commits wait meanwhile, for the few
   * frames the last passive checkpoint did not copy.
   */
  restartWal(): void {
    if (this.closed) return;
    this.walRestartWanted = true;
    if (!this.draining) void this.drain();
  }

  /** Waits for everything queued so far, then refuses new writes. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining || this.queue.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0 || this.walRestartWanted) {
        if (this.walRestartWanted) {
          this.walRestartWanted = false;
          // Busy (a long read on another connection): the next passive checkpoint asks again.
          await this.db.get('PRAGMA wal_checkpoint(RESTART)').catch(() => undefined);
          continue;
        }
        const batch = this.queue.splice(0, this.maxBatch).filter((pending) => {
          if (!pending.isCurrent || pending.isCurrent()) return true;
          pending.reject(new RoomwireError('conflict', 'the room changed under this write after a failed commit; retry'));
          return false;
        });
        if (batch.length === 0) continue;
        let refusals: Refusals;
        try {
          refusals = await this.writeTransaction(batch);
        } catch (error) {
          // The transaction itself failed (the disk, a lock held too long): nothing of it is stored.
          const failure = storeFailure(error);
          for (const pending of batch) pending.reject(failure);
          continue;
        }
        batch.forEach((pending, i) => (refusals[i] === undefined ? pending.resolve() : pending.reject(refusals[i])));
      }
    } finally {
      this.draining = false;
    }
  }

  /**
   * The whole batch in one transaction, its rows grouped per table. Should any row be refused,
   * the batch is undone and written again with a savepoint per write set, so only the write set
   * that owns the refused row fails (and the writes of its rooms that came after it).
   */
  private async writeTransaction(batch: Pending[]): Promise<Refusals> {
    await this.db.run('BEGIN IMMEDIATE');
    try {
      let refusals: Refusals = batch.map(() => undefined);
      try {
        await writeSets(this.db, batch.map((pending) => pending.writes));
      } catch (error) {
        if (batch.length === 1) throw error;
        await this.db.run('ROLLBACK');
        await this.db.run('BEGIN IMMEDIATE');
        refusals = await this.writeEachAlone(batch);
      }
      await this.db.run('COMMIT');
      return refusals;
    } catch (error) {
      await this.db.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * Each write set under its own savepoint, in queue order. A room's indexes were assigned in that
   * order before the commit, so once a write set of a room is refused, the later ones of the same
   * room are refused too: storing them would leave a gap where the refused event's index was.
   */
  private async writeEachAlone(batch: Pending[]): Promise<Refusals> {
    const failedRooms = new Set<string>();
    const refusals: Refusals = [];
    for (const { writes } of batch) {
      const rooms = roomsWrittenBy(writes);
      const after = rooms.find((id) => failedRooms.has(id));
      if (after !== undefined) {
        refusals.push(new RoomwireError('conflict', `an earlier write to room ${after} was refused in the same transaction; retry`));
        for (const id of rooms) failedRooms.add(id);
        continue;
      }
      await this.db.run('SAVEPOINT write_set');
      try {
        await writeSets(this.db, [writes]);
        await this.db.run('RELEASE write_set');
        refusals.push(undefined);
      } catch (error) {
        // A failing ROLLBACK TO (the transaction is gone) ends the pass: the batch fails whole.
        await this.db.run('ROLLBACK TO write_set');
        await this.db.run('RELEASE write_set');
        refusals.push(storeFailure(error));
        for (const id of rooms) failedRooms.add(id);
      }
    }
    return refusals;
  }
}

/** Rooms whose timeline or state a write set changes (a status update or an identity changes none). */
function roomsWrittenBy(writes: WriteSet): string[] {
  return [
    ...(writes.rooms ?? []).map((room) => room.id),
    ...(writes.events ?? []).map((event) => event.roomId),
    ...(writes.bindings ?? []).map((binding) => binding.roomId),
  ];
}

/**
 * A unique index refused a row: another writer stored it first. Retryable, so a conflict (409),
 * not an internal error; the callers' rooms reload their state.
 */
function storeFailure(error: unknown): unknown {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'SQLITE_CONSTRAINT') return error;
  const detail = typeof message === 'string' ? ` (${message.replace(/^SQLITE_CONSTRAINT: /, '')})` : '';
  return new RoomwireError('conflict', `the write conflicts with data another writer stored${detail}; retry`);
}
