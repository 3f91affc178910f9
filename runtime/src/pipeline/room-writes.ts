// Writes that change a room outside a message: the commit hand-off shared by every room write,
// and the lifecycle records (`room` and `binding` events) that keep the timeline auditable.
import type { EngineParts } from '../engine-parts';
import { newId } from '../ids';
import type { Binding, JsonObject, RoomEvent, RoomState } from '../model';
import type { WriteSet } from '../store/store';
import type { LoadedRoom } from './room-cache';
import { withRoomTimers } from '../timers/room-timers';

/** Hands a room's writes to the group commit; a failure drops the cached room state. */
export function commitRoomWrites(parts: EngineParts, loaded: LoadedRoom, writes: WriteSet): Promise<void> {
  loaded.pendingCommits++;
  // The room row is stored as it is now: the next write of the room assigns its index by
  // incrementing `latestIndex` in place, and this write may still wait in the group commit queue.
  // Without the copy a crash could leave a room whose latestIndex is ahead of its stored events.
  const handedOff = writes.rooms ? { ...writes, rooms: writes.rooms.map((room) => ({ ...room })) } : writes;
  return parts.store.commit(handedOff, () => parts.cache.isCurrent(loaded)).then(
    () => {
      loaded.pendingCommits--;
      for (const timer of writes.timers ?? []) parts.scheduler.noteDue(timer.dueAt);
    },
    (error: unknown) => {
      loaded.pendingCommits--;
      parts.cache.invalidate(loaded.room.id);
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

/** DESIGN.md section 9: inbound traffic resumes a paused room. */
export function resumeIfPaused(parts: EngineParts, loaded: LoadedRoom, writes: WriteSet, now: string): void {
  if (loaded.room.state !== 'paused') return;
  const event = roomStateEvent(loaded, 'active', 'traffic', now);
  (writes.events ??= []).push(event);
  withRoomTimers(writes, loaded.room, parts.clock());
  parts.logger.info(`room ${loaded.room.id} resumed by inbound traffic`);
}
