// Delivery operations: per-event deliveries and their Twilio-style aggregate; a room's deliveries
// paged in event order, with how many are in each status.
import { notFound } from '../errors';
import type { Delivery, DeliveryStatus, JsonObject } from '../model';
import { deliveryCursor, parseDeliveryCursor } from '../store/room-deliveries';
import { operation, withApi, type Operation } from './define';
import * as out from './output-schemas';
import { requireRoom } from './shared';
import * as s from './schemas';
import type { EngineParts } from '../engine-parts';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['queued', 'sent', 'delivered', 'read', 'failed', 'undelivered'];
const deliveryStatus = { enum: [...DELIVERY_STATUSES] } as const;

/** Twilio-style aggregate: how many deliveries, and whether all / some / none reached each status. */
export function aggregateDeliveries(deliveries: Delivery[]): JsonObject {
  const reached = (delivery: Delivery, status: DeliveryStatus): boolean => {
    if (status === 'sent') return ['sent', 'delivered', 'read'].includes(delivery.status);
    if (status === 'delivered') return ['delivered', 'read'].includes(delivery.status);
    return delivery.status === status;
  };
  const summary: JsonObject = { total: deliveries.length };
  for (const status of DELIVERY_STATUSES) {
    const count = deliveries.filter((d) => reached(d, status)).length;
    summary[status] = deliveries.length === 0 || count === 0 ? 'none' : count === deliveries.length ? 'all' : 'some';
  }
  return summary;
}

const operations: Operation<any, unknown>[] = [
  operation<{ eventId: string }, unknown>(
    'getDeliveries',
    'Deliveries of one event, with the aggregate per status (`total`, and `all` / `some` / `none`).',
    false,
    { eventId: s.id },
    ['eventId'],
    async (parts: Pick<EngineParts, 'store'>, input) => {
      const deliveries = await parts.store.listDeliveriesForEvent(input.eventId);
      if (deliveries.length === 0 && !(await parts.store.getEvent(input.eventId))) throw notFound('event', input.eventId, 'eventId');
      return { deliveries, aggregate: aggregateDeliveries(deliveries) };
    },
  ),
  operation<{ roomId: string; statuses?: DeliveryStatus[]; bindingId?: string; cursor?: string; limit?: number }, unknown>(
    'listRoomDeliveries',
    'Deliveries of a room, oldest event first, filtered by status and by the binding they go to, with `counts`: how many of the room\'s deliveries (to that binding, if given; whatever their status) are in each status, and `total`. A full page carries `nextCursor`: pass it as `cursor` (with the same filters) for the next page.',
    false,
    { roomId: s.id, statuses: { type: 'array', items: deliveryStatus, maxItems: DELIVERY_STATUSES.length }, bindingId: s.id, cursor: { type: 'string', minLength: 1, maxLength: 1024 }, limit: s.limit },
    ['roomId'],
    async (parts: Pick<EngineParts, 'store' | 'cache'>, input) => {
      await requireRoom(parts, input.roomId);
      const limit = input.limit ?? 100;
      const after = input.cursor === undefined ? undefined : parseDeliveryCursor(input.cursor);
      const [deliveries, stored] = await Promise.all([
        parts.store.listRoomDeliveries(input.roomId, { statuses: input.statuses, bindingId: input.bindingId, after, limit }),
        parts.store.countRoomDeliveries(input.roomId, { bindingId: input.bindingId }),
      ]);
      const counts = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, stored[status] ?? 0]));
      const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
      return { deliveries, counts, total, ...(deliveries.length === limit ? { nextCursor: deliveryCursor(deliveries[deliveries.length - 1]!) } : {}) };
    },
  ),
];

export const deliveryOperations = withApi(operations, {
  getDeliveries: {
    http: { method: 'GET', path: '/events/{eventId}/deliveries' },
    output: out.list('deliveries', out.delivery, { aggregate: out.aggregate }),
    errors: ['not_found'],
    examples: [{ summary: 'Who got event ev1', input: { eventId: 'ev1' } }],
  },
  listRoomDeliveries: {
    http: { method: 'GET', path: '/rooms/{roomId}/deliveries' },
    output: out.list('deliveries', out.delivery, {
      counts: { type: 'object', properties: Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, { type: 'integer', minimum: 0 }])), required: [...DELIVERY_STATUSES] },
      total: { type: 'integer', minimum: 0 },
      nextCursor: { type: 'string' },
    }),
    errors: ['not_found'],
    examples: [
      { summary: 'What failed in room r1', input: { roomId: 'r1', statuses: ['failed', 'undelivered'] } },
      { summary: 'What one participant of room r1 was sent', input: { roomId: 'r1', bindingId: 'b1', limit: 50 } },
    ],
  },
});
