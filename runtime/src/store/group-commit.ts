// Group commit (DESIGN.md section 13), the same for every store: while one transaction is being
// written and synced, new write sets queue up; the next transaction takes all of them. Each
// caller's promise resolves only after the transaction that holds its writes has committed
// durably. Inside the transaction the compare-and-set rules are checked first (write sets whose
// room or timer changed are refused), then the rest is written; should a row be refused (a unique
// constraint: another writer stored it first), the batch is written again with a savepoint per
// write set, so each write set fails alone.
import { RoomwireError, WriteConflict } from '../errors';
import type { WriteSet } from './store';
import { checkExpectations, expectations, roomsWrittenBy, type StoredState } from './write-plan';

/** One store's SQL for a batch: its transaction, its reads for the rules, its writes. */
export interface BatchTarget {
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** SAVEPOINT / RELEASE / ROLLBACK TO: the same words on SQLite and PostgreSQL. */
  statement(sql: string): Promise<void>;
  /** Reads (and on PostgreSQL locks, in id order) what the compare-and-set rules compare with. */
  readStored(rooms: string[], timers: string[]): Promise<StoredState>;
  write(sets: WriteSet[]): Promise<void>;
  /** Runs in the transaction after the writes that will commit (the change feed's notice). */
  announce?(sets: WriteSet[]): Promise<void>;
  /** A unique constraint refused a row: a conflict, not a failure of the store. */
  constraintDetail(error: unknown): string | null;
}

interface Pending {
  writes: WriteSet;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Task {
  run: () => Promise<unknown>;
  resolve: (value: any) => void;
  reject: (error: unknown) => void;
}

/**
 * Callers told per turn of the event loop. Each caller's continuation is the next step of its
 * pipeline (its deliveries sent, its next write drafted), about 50 µs each; told all at once, a
 * batch of 2,000 kept the main thread for 100 ms, and the next transaction, whose every statement
 * needs this thread to take its result, stood still meanwhile. Told 20 at a time, SQLite writes
 * the next batch while this thread works through the last one's callers (measured: 20 beat 10, 50
 * and 100; `engine-1room` +25%).
 */
const CALLERS_PER_TURN = 20;

/** Why each write set of a batch was refused, by position; `undefined`: it committed. */
type Refusals = (unknown | undefined)[];

/** A batch written at once had a row refused (or failed otherwise): its transaction was rolled back. */
class RowRefused {
  constructor(
    readonly error: unknown,
    /** What the compare-and-set rules decided in that transaction. */
    readonly refusals: Refusals,
  ) {}
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private tasks: Task[] = [];
  private draining = false;
  private closed = false;
  /**
   * Callers of committed batches still to be told, oldest first, with why each was refused
   * (`undefined`: committed). One queue for all batches: a batch that commits while the last
   * one's callers are still being told waits behind them, so callers hear in queue order (a
   * room's later event is never announced or delivered before its earlier one).
   */
  private untold: { pending: Pending; refusal: unknown }[] = [];

  constructor(
    private readonly target: BatchTarget,
    private readonly maxBatch = 4000,
  ) {}

  commit(writes: WriteSet): Promise<void> {
    if (this.closed) return Promise.reject(new RoomwireError('internal', 'the store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ writes, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /**
   * Work that needs the writer between two transactions (a claim, a WAL restart): it runs before
   * the next batch, alone.
   */
  exclusive<T>(run: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new RoomwireError('internal', 'the store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.tasks.push({ run, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** Waits for everything queued so far, then refuses new writes. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining || this.untold.length > 0 || this.queue.length > 0 || this.tasks.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0 || this.tasks.length > 0) {
        const task = this.tasks.shift();
        if (task) {
          await task.run().then(task.resolve, task.reject);
          continue;
        }
        const batch = this.queue.splice(0, this.maxBatch);
        let refusals: Refusals;
        try {
          refusals = await this.writeTransaction(batch.map((pending) => pending.writes));
        } catch (error) {
          // The transaction itself failed (the disk, the connection): nothing of it is stored.
          const failure = this.failure(error);
          this.tell(batch, batch.map(() => failure));
          continue;
        }
        this.tell(batch, refusals);
      }
    } finally {
      this.draining = false;
    }
  }

  /** Settles the callers of a batch after those of earlier batches, `CALLERS_PER_TURN` per turn of the event loop. */
  private tell(batch: Pending[], refusals: Refusals): void {
    // Callers still untold means a turn is already scheduled to tell them, and these after them.
    const idle = this.untold.length === 0;
    batch.forEach((pending, i) => this.untold.push({ pending, refusal: refusals[i] }));
    if (idle) this.tellSome();
  }

  private readonly tellSome = (): void => {
    for (const { pending, refusal } of this.untold.splice(0, CALLERS_PER_TURN)) {
      if (refusal === undefined) pending.resolve();
      else pending.reject(refusal);
    }
    if (this.untold.length > 0) setImmediate(this.tellSome);
  };

  /**
   * The batch at once; should a row be refused, the transaction is rolled back and written again
   * with a savepoint per write set. Conflicts are rare, so the common case pays for no savepoint
   * (two statements per batch, two round trips on PostgreSQL).
   */
  private async writeTransaction(sets: WriteSet[]): Promise<Refusals> {
    const atOnce = await this.transaction(sets, (accepted) => this.target.write(accepted));
    if (!(atOnce instanceof RowRefused)) return atOnce;
    const accepted = atOnce.refusals.filter((refusal) => refusal === undefined).length;
    if (accepted === 1) {
      // Nothing else to keep: the one write set the rules let through is the one refused.
      atOnce.refusals[atOnce.refusals.indexOf(undefined)] = this.failure(atOnce.error);
      return atOnce.refusals;
    }
    const alone = await this.transaction(sets, (_, refusals) => this.writeEachAlone(sets, refusals));
    if (alone instanceof RowRefused) throw alone.error;
    return alone;
  }

  /**
   * One transaction: the compare-and-set rules, then `write` with what they let through, the
   * change feed's notice, the commit. A row refused by `write` rolls it back (`RowRefused`).
   */
  private async transaction(sets: WriteSet[], write: (accepted: WriteSet[], refusals: Refusals) => Promise<void>): Promise<Refusals | RowRefused> {
    await this.target.begin();
    try {
      const wanted = expectations(sets);
      const refusals: Refusals =
        wanted.rooms.length + wanted.timers.length > 0
          ? checkExpectations(sets, await this.target.readStored(wanted.rooms, wanted.timers))
          : sets.map(() => undefined);
      const accepted = sets.filter((_, i) => refusals[i] === undefined);
      if (accepted.length > 0) {
        try {
          await write(accepted, refusals);
        } catch (error) {
          await this.target.rollback();
          return new RowRefused(error, refusals);
        }
      }
      if (this.target.announce) {
        const written = sets.filter((_, i) => refusals[i] === undefined);
        if (written.length > 0) await this.target.announce(written);
      }
      await this.target.commit();
      return refusals;
    } catch (error) {
      await this.target.rollback().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Each write set under its own savepoint, in queue order. A room's indexes were assigned in that
   * order before the commit, so once a write set of a room is refused, the later ones of the same
   * room are refused too: storing them would leave a gap where the refused event's index was.
   */
  private async writeEachAlone(sets: WriteSet[], refusals: Refusals): Promise<void> {
    const failedRooms = new Set<string>();
    for (const [i, writes] of sets.entries()) {
      const rooms = roomsWrittenBy(writes);
      if (refusals[i] !== undefined) {
        for (const id of rooms) failedRooms.add(id);
        continue;
      }
      const after = rooms.find((id) => failedRooms.has(id));
      if (after !== undefined) {
        refusals[i] = new WriteConflict(`an earlier write to room ${after} was refused in the same transaction; retry`);
        for (const id of rooms) failedRooms.add(id);
        continue;
      }
      await this.target.statement('SAVEPOINT write_set');
      try {
        await this.target.write([writes]);
        await this.target.statement('RELEASE write_set');
      } catch (error) {
        // A failing ROLLBACK TO (the transaction is gone) ends the pass: the batch fails whole.
        await this.target.statement('ROLLBACK TO write_set');
        await this.target.statement('RELEASE write_set');
        refusals[i] = this.failure(error);
        for (const id of rooms) failedRooms.add(id);
      }
    }
  }

  /**
   * A unique index refused a row: another writer stored it first. Retryable, so a conflict (409),
   * not an internal error; the callers' rooms reload their state.
   */
  private failure(error: unknown): unknown {
    const detail = this.target.constraintDetail(error);
    if (detail === null) return error;
    return new WriteConflict(`the write conflicts with data another writer stored (${detail}); retry`);
  }
}
