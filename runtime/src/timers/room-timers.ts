// DESIGN.md section 9: `active` → `paused` after `inactiveAfter` without traffic, `paused` →
// `closed` after `closedAfter`. The timers a room needs follow from its state, so every state
// change writes them in the same commit. Traffic does not rewrite the timer: when the inactivity
// timer fires it looks at the room's last message and re-arms itself if there was one since.
import type { EngineParts } from '../engine-parts';
import type { Room } from '../model';
import type { LoadedRoom } from '../pipeline/room-cache';
import { commitRoomWrites, roomStateEvent } from '../pipeline/room-writes';
import type { WriteSet } from '../store/store';
import { durationMs } from './duration';
import { fired } from './fired';
import type { Timer } from './types';

export const INACTIVE = 'room-inactive';
export const CLOSE = 'room-close';

const inactiveId = (roomId: string) => `room:${roomId}:inactive`;
const closeId = (roomId: string) => `room:${roomId}:close`;

/** The timer rows (and deletions) that match the room's current state. */
export function roomTimerWrites(room: Room, now: number): Pick<WriteSet, 'timers' | 'deletedTimerIds'> {
  const { inactiveAfter, closedAfter } = room.timers;
  if (!inactiveAfter && !closedAfter) return {};
  const timer = (id: string, kind: string, delay: string): Timer => ({ id, kind, roomId: room.id, dueAt: now + durationMs(delay), payload: {} });
  if (room.state === 'active' && inactiveAfter) {
    return { timers: [timer(inactiveId(room.id), INACTIVE, inactiveAfter)], deletedTimerIds: [closeId(room.id)] };
  }
  if (room.state === 'paused' && closedAfter) {
    return { timers: [timer(closeId(room.id), CLOSE, closedAfter)], deletedTimerIds: [inactiveId(room.id)] };
  }
  return { deletedTimerIds: [inactiveId(room.id), closeId(room.id)] };
}

/** Adds the room's timers to a write set that changes its state. */
export function withRoomTimers(writes: WriteSet, room: Room, now: number): WriteSet {
  const timerWrites = roomTimerWrites(room, now);
  if (timerWrites.timers) (writes.timers ??= []).push(...timerWrites.timers);
  if (timerWrites.deletedTimerIds) (writes.deletedTimerIds ??= []).push(...timerWrites.deletedTimerIds);
  return writes;
}

function lastTraffic(room: Room): number {
  return Date.parse(room.lastActivityAt ?? room.createdAt);
}

export function registerRoomTimers(parts: Pick<EngineParts, 'store' | 'cache' | 'serial' | 'scheduler' | 'clock' | 'leases'>, announce: (loaded: LoadedRoom, writes: WriteSet, previous: Room['state']) => void): void {
  parts.scheduler.on(INACTIVE, (timer) =>
    parts.serial.run(timer.roomId, async () => {
      const loaded = await parts.cache.load(timer.roomId);
      const now = parts.clock();
      if (!loaded || loaded.room.state !== 'active' || !loaded.room.timers.inactiveAfter) {
        await parts.store.commit({ firedTimers: [fired(timer)] });
        return;
      }
      const due = lastTraffic(loaded.room) + durationMs(loaded.room.timers.inactiveAfter);
      if (due > now) {
        // Traffic since the timer was armed: wait until the room has really been quiet that long.
        await parts.store.commit({ timers: [{ ...timer, dueAt: due }] });
        parts.scheduler.noteDue(due);
        return;
      }
      const iso = new Date(now).toISOString();
      const event = roomStateEvent(loaded, 'paused', 'timer', iso);
      const writes = withRoomTimers({ events: [event], firedTimers: [fired(timer)] }, loaded.room, now);
      await commitRoomWrites(parts, loaded, writes);
      announce(loaded, writes, 'active');
    }),
  );
  parts.scheduler.on(CLOSE, (timer) =>
    parts.serial.run(timer.roomId, async () => {
      const loaded = await parts.cache.load(timer.roomId);
      if (!loaded || loaded.room.state !== 'paused') {
        await parts.store.commit({ firedTimers: [fired(timer)] });
        return;
      }
      const now = parts.clock();
      const event = roomStateEvent(loaded, 'closed', 'timer', new Date(now).toISOString());
      const writes = withRoomTimers({ events: [event], firedTimers: [fired(timer)] }, loaded.room, now);
      await commitRoomWrites(parts, loaded, writes);
      announce(loaded, writes, 'paused');
    }),
  );
}
