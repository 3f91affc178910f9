// Writes that change a room outside a message: the commit hand-off shared by every room write,
// and the lifecycle records (`room` and `binding` events) that keep the timeline auditable.
import type { EngineParts } from '../engine-parts';
import { newId } from '../ids';
import type { Binding, JsonObject, RoomEvent, RoomState } from '../model';
import type { WriteSet } from '../store/store';
import type { LoadedRoom } from './room-cache';
import { retryRefusedWrites } from './write-retry';

/**
 * A room write outside a message, in the room's serial section; `work` loads the room itself, so when
 * another engine's write got there first it runs again on what is stored now.
 */
export function inRoom<T>(parts: Pick<EngineParts, 'serial'>, roomId: string, work: () => Promise<T>): Promise<T> {
  return retryRefusedWrites(() => parts.serial.run(roomId, work));
}

/**
 * Hands the writes of one or more rooms (a merge spans several) to the group commit. Each room's
 * row goes with them, as the loaded room is now and at its next version, the version it had
 * attached as a compare-and-set (callers change the loaded room, never write its row themselves);
 * a failure drops the cached room states. `writes` itself is what is handed over: it gains the
 * rooms' rows (`writes.rooms`, each room as of this write), the expectations and the lease.
 */
export type CommitParts = Pick<EngineParts, 'store' | 'cache' | 'leases' | 'scheduler'>;

export function commitRoomWrites(parts: CommitParts, loaded: LoadedRoom | LoadedRoom[], writes: WriteSet): Promise<void> {
  const rooms = Array.isArray(loaded) ? loaded : [loaded];
  const expect = rooms.map((room) => ({ roomId: room.room.id, version: room.handedOffVersion }));
  // The room row is stored as it is now: the next write of the room assigns its index by
  // incrementing `latestIndex` in place, and this write may still wait in the group commit queue.
  // Without the copy a crash could leave a room whose latestIndex is ahead of its stored events.
  // A write that does not change the room itself (a read horizon) still moves its version.
  const roomRows = rooms.map((room) => {
    room.pendingCommits++;
    room.room.version++;
    room.handedOffVersion = room.room.version;
    return { ...room.room };
  });
  writes.rooms = roomRows;
  writes.expect = expect;
  writes.lease = parts.leases.next();
  return parts.store.commit(writes).then(
    () => {
      for (const room of rooms) room.pendingCommits--;
      for (const timer of writes.timers ?? []) parts.scheduler.noteDue(timer.dueAt);
    },
    (error: unknown) => {
      for (const room of rooms) {
        room.pendingCommits--;
        parts.cache.invalidate(room.room.id);
      }
      throw error;
    },
  );
}

/**
 * A lifecycle record in the timeline. Stamped `internal`: staff and AI see who joined, who was
 * muted and why a room paused; customers are never sent these.
 */
export function lifecycleEvent(
  loaded: LoadedRoom,
  type: 'room' | 'binding' | 'identity',
  code: string,
  text: string,
  detail: JsonObject,
  now: string,
): RoomEvent {
  return {
    id: newId('evt'),
    roomId: loaded.room.id,
    index: ++loaded.room.latestIndex,
    type,
    content: { type: 'system', text, code },
    source: { channelId: null, bindingId: null, identityId: null, provider: null, providerMessageId: null, raw: null },
    direction: 'outbound',
    visibility: 'internal',
    status: 'committed',
    blockedBy: null,
    correlationId: null,
    idempotencyKey: null,
    chainDepth: 0,
    metadata: detail,
    createdAt: now,
  };
}

export function roomStateEvent(loaded: LoadedRoom, state: RoomState, reason: string, now: string): RoomEvent {
  loaded.room = { ...loaded.room, state, updatedAt: now };
  return lifecycleEvent(loaded, 'room', `room.${state}`, `room ${state} (${reason})`, { state, reason }, now);
}

export function bindingEvent(loaded: LoadedRoom, binding: Binding, change: string, now: string, detail: JsonObject = {}): RoomEvent {
  const who = `${binding.address} via ${binding.channelId}`;
  return lifecycleEvent(loaded, 'binding', `binding.${change}`, `${who}: ${change}`, { bindingId: binding.id, change, ...detail }, now);
}
