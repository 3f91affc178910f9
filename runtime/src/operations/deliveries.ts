// Delivery operations: per-event deliveries and their Twilio-style aggregate.
import { notFound } from '../errors';
import type { Delivery, DeliveryStatus, JsonObject } from '../model';
import { operation, withApi, type Operation } from './define';
import * as out from './output-schemas';
import * as s from './schemas';

/** Twilio-style aggregate: how many deliveries, and whether all / some / none reached each status. */
export function aggregateDeliveries(deliveries: Delivery[]): JsonObject {
  const statuses: DeliveryStatus[] = ['queued', 'sent', 'delivered', 'read', 'failed', 'undelivered'];
  const reached = (delivery: Delivery, status: DeliveryStatus): boolean => {
    if (status === 'sent') return ['sent', 'delivered', 'read'].includes(delivery.status);
    if (status === 'delivered') return ['delivered', 'read'].includes(delivery.status);
    return delivery.status === status;
  };
  const summary: JsonObject = { total: deliveries.length };
  for (const status of statuses) {
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
    async (parts, input) => {
      const deliveries = await parts.store.listDeliveriesForEvent(input.eventId);
      if (deliveries.length === 0 && !(await parts.store.getEvent(input.eventId))) throw notFound('event', input.eventId, 'eventId');
      return { deliveries, aggregate: aggregateDeliveries(deliveries) };
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
});
