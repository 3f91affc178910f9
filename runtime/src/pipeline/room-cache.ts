// In-memory state of recently used rooms, read and changed only inside the room's serial section.
// Indexes are assigned from it before the commit is durable (so one room is not limited to one
// event per disk sync); a failed commit invalidates the entry, and writes computed from the stale
// state are refused by the store (`isCurrent`), so the index stays gapless.
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

  constructor(
    public room: Room,
    public bindings: Binding[],
    readonly generation: number,
    private readonly keys: RecentKeys,
  ) {}

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
  private nextGeneration = 1;
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
    const loaded = new LoadedRoom(room, await this.store.listBindings(roomId), this.nextGeneration++, this.keys);
    this.add(loaded);
    return loaded;
  }

  /** A room created in this process (not yet durable). */
  create(room: Room, bindings: Binding[]): LoadedRoom {
    const loaded = new LoadedRoom(room, bindings, this.nextGeneration++, this.keys);
    this.add(loaded);
    return loaded;
  }

  peek(roomId: string): LoadedRoom | undefined {
    return this.rooms.get(roomId);
  }

  isCurrent(loaded: LoadedRoom): boolean {
    return this.rooms.get(loaded.room.id) === loaded;
  }

  invalidate(roomId: string): void {
    this.rooms.delete(roomId);
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
