// Reading a room: the timeline as one binding may see it (DESIGN.md section 4: the same rule as
// delivery, blocked events never included), the operator view, the audit view (everything, with
// blocked events), and the read horizon with its unread count.
import type { EngineParts } from './engine-parts';
import { notFound } from './errors';
import { checkMembershipChange } from './membership';
import type { Binding, RoomEvent } from './model';
import { canSeeInHistory } from './permissions';
import { commitRoomWrites, inRoom } from './pipeline/room-writes';

export interface TimelineQuery {
  roomId: string;
  /** Read as this binding: only what it may see. */
  bindingId?: string;
  /** Include blocked events (an audit read); not combinable with `bindingId`. */
  audit?: boolean;
  fromIndex?: number;
  limit?: number;
  /** Newest first. */
  descending?: boolean;
}

const PAGE = 500;

async function requireBinding(parts: Pick<EngineParts, 'store' | 'cache'>, bindingId: string, roomId?: string): Promise<Binding> {
  const binding = (roomId ? parts.cache.peek(roomId)?.binding(bindingId) : undefined) ?? (await parts.store.getBinding(bindingId));
  if (!binding || (roomId !== undefined && binding.roomId !== roomId)) throw notFound('binding', bindingId, 'bindingId');
  return binding;
}

/** Pages through the room until `limit` events pass `keep`. */
async function collect(
  parts: Pick<EngineParts, 'store'>,
  roomId: string,
  keep: (event: RoomEvent) => boolean,
  query: Pick<TimelineQuery, 'fromIndex' | 'limit' | 'descending'>,
): Promise<RoomEvent[]> {
  const limit = query.limit ?? 100;
  const descending = query.descending === true;
  const out: RoomEvent[] = [];
  let cursor = query.fromIndex ?? (descending ? Number.MAX_SAFE_INTEGER : 0);
  for (;;) {
    const page = await parts.store.listEvents(roomId, { fromIndex: cursor, limit: PAGE, descending });
    for (const event of page) {
      if (keep(event)) out.push(event);
      if (out.length === limit) return out;
    }
    if (page.length < PAGE) return out;
    cursor = page[page.length - 1]!.index + (descending ? -1 : 1);
  }
}

export async function readTimeline(parts: Pick<EngineParts, 'store' | 'cache'>, query: TimelineQuery): Promise<RoomEvent[]> {
  if (!(await parts.store.getRoom(query.roomId)) && !parts.cache.peek(query.roomId)) throw notFound('room', query.roomId, 'roomId');
  if (query.bindingId) {
    const reader = await requireBinding(parts, query.bindingId, query.roomId);
    return collect(parts, query.roomId, (event) => canSeeInHistory(reader, event), query);
  }
  return collect(parts, query.roomId, (event) => query.audit === true || event.status === 'committed', query);
}

export async function markRead(parts: Pick<EngineParts, 'store' | 'cache' | 'serial' | 'notifier' | 'scheduler' | 'clock' | 'leases'>, bindingId: string, index: number): Promise<Binding> {
  const stored = await requireBinding(parts, bindingId);
  return inRoom(parts, stored.roomId, async () => {
    const loaded = await parts.cache.load(stored.roomId);
    const binding = loaded?.binding(bindingId);
    if (!loaded || !binding) throw notFound('binding', bindingId, 'bindingId');
    // A binding that left keeps its past as it was: its read horizon is a change like any other.
    checkMembershipChange(binding, undefined);
    // The horizon only moves forward and never past the newest event.
    const horizon = Math.min(Math.max(binding.lastReadIndex, index), loaded.room.latestIndex);
    if (horizon === binding.lastReadIndex) return binding;
    const updated = { ...binding, lastReadIndex: horizon, updatedAt: new Date(parts.clock()).toISOString() };
    loaded.replaceBinding(updated);
    const read = { roomId: updated.roomId, bindingId: updated.id, lastReadIndex: horizon };
    await commitRoomWrites(parts, loaded, { bindings: [updated], reads: [read] });
    parts.notifier.emit({ kind: 'read', ...read });
    return updated;
  });
}

/** Events after the binding's read horizon that it may see, not counting its own. */
export async function unreadCount(parts: Pick<EngineParts, 'store' | 'cache'>, bindingId: string): Promise<{ unread: number; lastReadIndex: number }> {
  const binding = await requireBinding(parts, bindingId);
  const fresh = parts.cache.peek(binding.roomId)?.binding(bindingId) ?? binding;
  const unread = await collect(
    parts,
    fresh.roomId,
    (event) => event.source.bindingId !== fresh.id && canSeeInHistory(fresh, event),
    { fromIndex: fresh.lastReadIndex + 1, limit: Number.MAX_SAFE_INTEGER },
  );
  return { unread: unread.length, lastReadIndex: fresh.lastReadIndex };
}
