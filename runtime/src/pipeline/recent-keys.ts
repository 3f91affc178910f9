// Idempotency keys this process wrote lately, across all rooms (DESIGN.md section 13: in-memory
// caches are accelerators with a bound, never the truth). The store's unique index decides: a key
// not found here is looked up there. What only this map can answer is a key whose write is still
// committing, so those are kept whatever the bound; committed keys are kept up to the bound,
// least recently used first out, so a retry soon after its original needs no read.
import type { RoomEvent } from '../model';

const DEFAULT_RECENT_KEYS = 10_000;

export class RecentKeys {
  /** Keys whose write is still committing: the store cannot answer for them yet. */
  private readonly committing = new Map<string, Promise<RoomEvent>>();
  /** Keys of committed events, least recently used first. */
  private readonly committed = new Map<string, RoomEvent>();

  /** `capacity`: committed keys kept in memory, over all rooms. */
  constructor(readonly capacity = DEFAULT_RECENT_KEYS) {}

  /** Keys held now: every one still committing, plus at most `capacity` committed ones. */
  get size(): number {
    return this.committing.size + this.committed.size;
  }

  get(roomId: string, key: string): Promise<RoomEvent> | undefined {
    const id = entryId(roomId, key);
    const committing = this.committing.get(id);
    if (committing) return committing;
    const event = this.committed.get(id);
    if (!event) return undefined;
    this.committed.delete(id);
    this.committed.set(id, event);
    return Promise.resolve(event);
  }

  /** The write of `key` is committing; `event` resolves once it is durable or rejects if it failed. */
  remember(roomId: string, key: string, event: Promise<RoomEvent>): void {
    const id = entryId(roomId, key);
    this.committing.set(id, event);
    event.then(
      (committed) => {
        if (this.committing.get(id) !== event) return;
        this.committing.delete(id);
        this.keep(id, committed);
      },
      // A failed write stored nothing: a retry must write again, not be told about the failure.
      () => {
        if (this.committing.get(id) === event) this.committing.delete(id);
      },
    );
  }

  private keep(id: string, event: RoomEvent): void {
    this.committed.delete(id);
    this.committed.set(id, event);
    for (const oldest of this.committed.keys()) {
      if (this.committed.size <= this.capacity) break;
      this.committed.delete(oldest);
    }
  }
}

/** Room id and key in one string that no other pair produces (a room id may hold any character). */
function entryId(roomId: string, key: string): string {
  return `${roomId.length}:${roomId}${key}`;
}
