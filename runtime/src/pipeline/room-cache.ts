// In-memory state of recently used rooms, read and changed only inside the room's serial section:
// the fast path, never the truth. Indexes are assigned from it before the commit is durable (so
// one room is not limited to one event per disk sync); each write set carries the room version it
// was computed from and the store applies it as a compare-and-set, so a write computed from a
// state that went stale (a failed commit here, a write by another engine) is refused, the entry
// dropped and the write retried: the index stays gapless and in one order, and no change is lost.
import type { Binding, RoomEvent, Room } from '../model';
import type { Store } from '../store/store';
import { RecentKeys } from './recent-keys';

export interface RoomCacheOptions {
  /** Rooms kept loaded (rooms with a commit under way are kept beyond it). */
  rooms?: number;
  /** Committed idempotency keys remembered over all rooms; the store answers for the others. */
  recentKeys?: number;
}

export class LoadedRoom {
  pendingCommits = 0;
  /** The room's version once every write handed to the store commits (null: not stored yet). */
  handedOffVersion: number | null;

  constructor(
    public room: Room,
    public bindings: Binding[],
    stored: boolean,
    private readonly keys: RecentKeys,
  ) {
    this.handedOffVersion = stored ? room.version : null;
  }

  binding(id: string): Binding | undefined {
    return this.bindings.find((b) => b.id === id);
  }

  replaceBinding(binding: Binding): void {
    const position = this.bindings.findIndex((b) => b.id === binding.id);
    if (position === -1) this.bindings.push(binding);
    else this.bindings[position] = binding;
  }

  /** The event of this room's idempotency key, if memory still has it (committing or recently committed). */
  recentKey(key: string): Promise<RoomEvent> | undefined {
    return this.keys.get(this.room.id, key);
  }

  rememberKey(key: string, event: Promise<RoomEvent>): void {
    this.keys.remember(this.room.id, key, event);
  }
}

export class RoomCache {
  private readonly rooms = new Map<string, LoadedRoom>();
  private readonly capacity: number;
  /** Shared by every room, so the bound holds however many rooms are loaded. */
  readonly keys: RecentKeys;

  constructor(
    private readonly store: Store,
    options: RoomCacheOptions = {},
  ) {
    this.capacity = options.rooms ?? 10_000;
    this.keys = new RecentKeys(options.recentKeys);
  }

  async load(roomId: string): Promise<LoadedRoom | null> {
    const cached = this.rooms.get(roomId);
    if (cached) {
      // Re-insert to keep the map in least-recently-used order.
      this.rooms.delete(roomId);
      this.rooms.set(roomId, cached);
      return cached;
    }
    const room = await this.store.getRoom(roomId);
    if (!room) return null;
    const loaded = new LoadedRoom(room, await this.store.listBindings(roomId), true, this.keys);
    this.add(loaded);
    return loaded;
  }

  /** A room created in this process (not yet durable). */
  create(room: Room, bindings: Binding[]): LoadedRoom {
    const loaded = new LoadedRoom(room, bindings, false, this.keys);
    this.add(loaded);
    return loaded;
  }

  peek(roomId: string): LoadedRoom | undefined {
    return this.rooms.get(roomId);
  }

  invalidate(roomId: string): void {
    this.rooms.delete(roomId);
  }

  /**
   * Other engines may have written any room (changes were lost): every room is dropped but those
   * with a commit under way, whose writes the store checks against what it holds anyway.
   */
  invalidateAll(): void {
    for (const [id, loaded] of this.rooms) if (loaded.pendingCommits === 0) this.rooms.delete(id);
  }

  /**
   * Another engine left the room at `version`. A cached state that already built on it (its
   * writes expect a later version) stays; one that did not is stale, and so is any write of it
   * that expects that version or an earlier one (the store will refuse it).
   */
  invalidateIfBehind(roomId: string, version: number): void {
    const cached = this.rooms.get(roomId);
    if (cached && (cached.handedOffVersion === null || cached.handedOffVersion <= version)) this.rooms.delete(roomId);
  }

  private add(loaded: LoadedRoom): void {
    this.rooms.set(loaded.room.id, loaded);
    if (this.rooms.size <= this.capacity) return;
    for (const [id, candidate] of this.rooms) {
      if (this.rooms.size <= this.capacity) break;
      if (candidate.pendingCommits === 0 && candidate !== loaded) this.rooms.delete(id);
    }
  }
}
