// DESIGN.md section 9: inbound traffic resumes a paused room, in the same commit as the message.
import type { EngineParts } from '../engine-parts';
import type { WriteSet } from '../store/store';
import { withRoomTimers } from '../timers/room-timers';
import type { LoadedRoom } from './room-cache';
import { roomStateEvent } from './room-writes';

export function resumeIfPaused(parts: Pick<EngineParts, 'clock' | 'logger'>, loaded: LoadedRoom, writes: WriteSet, now: string): void {
  if (loaded.room.state !== 'paused') return;
  const event = roomStateEvent(loaded, 'active', 'traffic', now);
  (writes.events ??= []).push(event);
  withRoomTimers(writes, loaded.room, parts.clock());
  parts.logger.info(`room ${loaded.room.id} resumed by inbound traffic`);
}
