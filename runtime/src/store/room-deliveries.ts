// A room's deliveries and their count by status, said once for every store (both write `?`
// placeholders). Pages run in event order, then delivery id, so a cursor is an exact position.
import type { DeliveryStatus } from '../model';
import { decodeCursor, encodeCursor } from './cursor';
import type { DeliveryQuery } from './store';

function filters(roomId: string, query: { statuses?: DeliveryStatus[]; bindingId?: string }): { where: string[]; params: unknown[] } {
  const where = ['room_id = ?'];
  const params: unknown[] = [roomId];
  if (query.statuses && query.statuses.length > 0) {
    where.push(`status IN (${query.statuses.map(() => '?').join(', ')})`);
    params.push(...query.statuses);
  }
  if (query.bindingId !== undefined) {
    where.push('binding_id = ?');
    params.push(query.bindingId);
  }
  return { where, params };
}

export function roomDeliveriesQuery(roomId: string, query: DeliveryQuery): { sql: string; params: unknown[] } {
  const { where, params } = filters(roomId, query);
  if (query.after !== undefined) {
    where.push('(event_index > ? OR (event_index = ? AND id > ?))');
    params.push(query.after.eventIndex, query.after.eventIndex, query.after.id);
  }
  params.push(query.limit ?? 100);
  return { sql: `SELECT data FROM deliveries WHERE ${where.join(' AND ')} ORDER BY event_index, id LIMIT ?`, params };
}

export function roomDeliveryCountsQuery(roomId: string, query: { bindingId?: string }): { sql: string; params: unknown[] } {
  const { where, params } = filters(roomId, query);
  return { sql: `SELECT status, COUNT(*) AS n FROM deliveries WHERE ${where.join(' AND ')} GROUP BY status`, params };
}

export function deliveryCursor(delivery: { eventIndex: number; id: string }): string {
  return encodeCursor([delivery.eventIndex, delivery.id]);
}

export function parseDeliveryCursor(cursor: string): { eventIndex: number; id: string } {
  const [eventIndex, id] = decodeCursor(cursor, ['number', 'string']);
  return { eventIndex: eventIndex as number, id: id as string };
}
