// In-memory state of recently used rooms, read and changed only inside the room's serial section.
// Indexes are assigned from it before the commit is durable (so one room is not limited to one
// event per disk sync); a failed commit invalidates the entry, and writes computed from the stale
// state are refused by the store (`isCurrent`), so the index stays gapless.
import type { Binding, RoomEvent, Room } from '../model';
import type { Store } from '../store/store';

const RECENT_KEYS_PER_ROOM = 512;

export class LoadedRoom {
  pendingCommits = 0;
  /** Idempotency keys committed or in flight in this process, newest last. */
  private readonly recentKeys = new Map<string, Promise<RoomEvent>>();

  constructor(
    public room: Room,
    public bindings: Binding[],
    readonly generation: number,
  ) {}

  binding(id: string): Binding | undefined {
    return this.bindings.find((b) => b.id === id);
  }

  replaceBinding(binding: Binding): void {
    const position = this.bindings.findIndex((b) => b.id === binding.id);
    if (position === -1) this.bindings.push(binding);
    else this.bindings[position] = binding;
  }

  recentKey(key: string): Promise<RoomEvent> | undefined {
    return this.recentKeys.get(key);
  }

  rememberKey(key: string, event: Promise<RoomEvent>): void {
    this.recentKeys.set(key, event);
    if (this.recentKeys.size > RECENT_KEYS_PER_ROOM) {
      const oldest = this.recentKeys.keys().next().value as string;
      this.recentKeys.delete(oldest);
    }
  }
}

export class RoomCache {
  private readonly rooms = new Map<string, LoadedRoom>();
  private nextGeneration = 1;

  constructor(
    private readonly store: Store,
    private readonly capacity = 10_000,
  ) {}

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
    const loaded = new LoadedRoom(room, await this.store.listBindings(roomId), this.nextGeneration++);
    this.add(loaded);
    return loaded;
  }

  /** A room created in this process (not yet durable). */
  create(room: Room, bindings: Binding[]): LoadedRoom {
    const loaded = new LoadedRoom(room, bindings, this.nextGeneration++);
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
