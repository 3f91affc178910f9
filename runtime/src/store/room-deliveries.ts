// A room's deliveries, their count by status and a participant's latest one, said once for every
// store (both write `?` placeholders). Pages run in event order, then delivery id, so a cursor is
// an exact position. Where a store finds a room's deliveries differs, so each store names its
// source.
import type { DeliveryStatus } from '../model';
import { decodeCursor, encodeCursor } from './cursor';
import type { DeliveryQuery } from './store';

export interface RoomDeliverySource {
  /** The FROM clause; the deliveries are `d`. */
  from: string;
  /** The room's id and the event's index, as columns of `from`. */
  roomId: string;
  eventIndex: string;
  /** The binding's id as a filter, kept out of index choice where the store needs that. */
  bindingFilter: string;
}

/** PostgreSQL: `deliveries_by_room` (room_id, event_index, id). */
export const DELIVERIES_BY_ROOM: RoomDeliverySource = {
  from: 'deliveries d',
  roomId: 'd.room_id',
  eventIndex: 'd.event_index',
  bindingFilter: 'd.binding_id = ?',
};

/**
 * SQLite, which keeps no index of deliveries by room (migration 11): the room's events in index
 * order, then each event's deliveries (`deliveries_by_event`); the last term of the order is sorted
 * per event, so a page reads only as far as it goes. CROSS JOIN keeps the events as the outer
 * loop, and the unary `+` keeps the binding a filter of each event's deliveries, never where the
 * search starts (an index led by the binding would be read whole and sorted for each page).
 */
export const DELIVERIES_THROUGH_EVENTS: RoomDeliverySource = {
  from: 'events e CROSS JOIN deliveries d ON d.event_id = e.id',
  roomId: 'e.room_id',
  eventIndex: 'e.idx',
  bindingFilter: '+d.binding_id = ?',
};

function filters(source: RoomDeliverySource, roomId: string, query: { statuses?: DeliveryStatus[]; bindingId?: string }): { where: string[]; params: unknown[] } {
  const where = [`${source.roomId} = ?`];
  const params: unknown[] = [roomId];
  if (query.statuses && query.statuses.length > 0) {
    where.push(`d.status IN (${query.statuses.map(() => '?').join(', ')})`);
    params.push(...query.statuses);
  }
  if (query.bindingId !== undefined) {
    where.push(source.bindingFilter);
    params.push(query.bindingId);
  }
  return { where, params };
}

export function roomDeliveriesQuery(source: RoomDeliverySource, roomId: string, query: DeliveryQuery): { sql: string; params: unknown[] } {
  const { where, params } = filters(source, roomId, query);
  if (query.after !== undefined) {
    // The index bound on its own, so both stores start the range there instead of at the room's first event.
    where.push(`${source.eventIndex} >= ? AND (${source.eventIndex} > ? OR d.id > ?)`);
    params.push(query.after.eventIndex, query.after.eventIndex, query.after.id);
  }
  params.push(query.limit ?? 100);
  return { sql: `SELECT d.data FROM ${source.from} WHERE ${where.join(' AND ')} ORDER BY ${source.eventIndex}, d.id LIMIT ?`, params };
}

export function roomDeliveryCountsQuery(source: RoomDeliverySource, roomId: string, query: { bindingId?: string }): { sql: string; params: unknown[] } {
  const { where, params } = filters(source, roomId, query);
  return { sql: `SELECT d.status, COUNT(*) AS n FROM ${source.from} WHERE ${where.join(' AND ')} GROUP BY d.status`, params };
}

/**
 * How far back in its room a participant's latest delivery is looked for, in events. A plain-text
 * answer to numbered options (DESIGN.md section 6) reads it; offers older than this are not what
 * someone answers, and without a bound one participant who was never sent anything in a long room
 * would make every one of their messages read the room's whole history.
 */
export const LATEST_DELIVERY_LOOKBACK_EVENTS = 1000;

/**
 * The newest delivery to a binding among its room's last `LATEST_DELIVERY_LOOKBACK_EVENTS` events:
 * the latest event's first, and of one event's deliveries (a fallback step follows the delivery it
 * replaces) the newest.
 */
export function latestDeliveryToBindingQuery(source: RoomDeliverySource, bindingId: string): { sql: string; params: unknown[] } {
  return {
    sql: `SELECT d.data FROM ${source.from}
      WHERE ${source.roomId} = (SELECT room_id FROM bindings WHERE id = ?)
        AND ${source.eventIndex} > (SELECT r.latest_index FROM bindings b JOIN rooms r ON r.id = b.room_id WHERE b.id = ?) - ?
        AND ${source.bindingFilter}
      ORDER BY ${source.eventIndex} DESC, d.id DESC LIMIT 1`,
    params: [bindingId, bindingId, LATEST_DELIVERY_LOOKBACK_EVENTS, bindingId],
  };
}

export function deliveryCursor(delivery: { eventIndex: number; id: string }): string {
  return encodeCursor([delivery.eventIndex, delivery.id]);
}

export function parseDeliveryCursor(cursor: string): { eventIndex: number; id: string } {
  const [eventIndex, id] = decodeCursor(cursor, ['number', 'string']);
  return { eventIndex: eventIndex as number, id: id as string };
}
