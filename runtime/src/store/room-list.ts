// The room list's filters, order and cursor, said once for every store (both write `?` placeholders).
// Rooms come newest first by (updated_at, id): many rooms share one updated_at (a burst within
// one millisecond), so the id breaks the tie and a page ends at an exact position, never between
// two rooms of one timestamp.
import { decodeCursor, encodeCursor } from './cursor';
import type { RoomQuery } from './store';

export function roomListQuery(query: RoomQuery): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.states && query.states.length === 1) {
    where.push('state = ?');
    params.push(query.states[0]);
  } else if (query.states && query.states.length > 1) {
    // Several states (the default list): walk rooms_by_updated_id in page order and filter. With
    // a bare `state IN`, SQLite (no statistics) picks the state index and sorts every matching
    // room for each page: ~0.5 s a page at 100,000 rooms instead of a few ms. `|| ''` keeps the
    // state index out, in both stores' SQL.
    where.push(`state || '' IN (${query.states.map(() => '?').join(', ')})`);
    params.push(...query.states);
  }
  if (query.tenantId !== undefined) {
    where.push('tenant_id = ?');
    params.push(query.tenantId);
  }
  if (query.after !== undefined) {
    where.push('(updated_at < ? OR (updated_at = ? AND id < ?))');
    params.push(query.after.updatedAt, query.after.updatedAt, query.after.id);
  }
  params.push(query.limit ?? 100);
  return { sql: `SELECT data FROM rooms ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, id DESC LIMIT ?`, params };
}

/** The opaque cursor of the page after this room. */
export function roomCursor(room: { updatedAt: string; id: string }): string {
  return encodeCursor([room.updatedAt, room.id]);
}

export function parseRoomCursor(cursor: string): { updatedAt: string; id: string } {
  const [updatedAt, id] = decodeCursor(cursor, ['string', 'string']) as string[];
  return { updatedAt: updatedAt!, id: id! };
}
