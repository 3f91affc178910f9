// What `room in` emits: engine notifications and flow-channel deliveries as plain msg objects,
// with the ids a flow needs on top (never live objects).
import type { Notification, OutboundMessage } from '@roomwire/runtime';
import type { NodeMessage } from 'node-red';
import { plain } from './input';

/** What `room in` can filter on, in the order the editor offers them. */
export const NOTIFICATION_CATEGORIES = ['message', 'system', 'binding', 'room', 'identity', 'custom', 'delivery', 'task', 'observation'] as const;

export interface DescribedNotification {
  /**
   * What `room in` filters on: an event type (custom:* as `custom`), a side effect kind (`task`,
   * `observation`), or `delivery` (status changes and fallbacks).
   */
  category: string;
  /** The channel a notification concerns: an event's source, a delivery's target; none for side effects. */
  channelId: string | null;
  blocked: boolean;
  /** Typing and read receipts: passing signals, emitted only when asked for by category. */
  signal?: true;
  msg: NodeMessage;
}

/** A notification about one room (a resync is about none, and has nothing to emit). */
export type RoomNotification = Exclude<Notification, { kind: 'resync' }>;

export function describeNotification(notification: RoomNotification): DescribedNotification {
  switch (notification.kind) {
    case 'event': {
      const event = notification.event;
      return {
        category: event.type.startsWith('custom:') ? 'custom' : event.type,
        channelId: event.source.channelId,
        blocked: event.status === 'blocked',
        msg: {
          topic: event.type,
          payload: plain(event),
          roomId: event.roomId,
          eventId: event.id,
          bindingId: event.source.bindingId,
          correlationId: event.correlationId,
          ...(event.status === 'blocked' ? { blockedBy: event.blockedBy, blockReason: event.blockReason ?? null } : {}),
        },
      };
    }
    case 'side_effect': {
      const effect = notification.sideEffect;
      return {
        category: effect.kind,
        channelId: null,
        blocked: false,
        msg: { topic: effect.kind, payload: plain(effect), roomId: effect.roomId, eventId: effect.eventId },
      };
    }
    case 'delivery': {
      const { delivery, event } = notification;
      return {
        category: 'delivery',
        channelId: delivery.channelId,
        blocked: false,
        msg: {
          topic: 'delivery',
          payload: plain(delivery),
          roomId: delivery.roomId,
          eventId: event.id,
          bindingId: delivery.bindingId,
          correlationId: event.correlationId,
        },
      };
    }
    case 'fallback': {
      // A fallback is a delivery change: the failed delivery and the one on the next channel.
      const { roomId, eventId, from, reason, step, to } = notification;
      return {
        category: 'delivery',
        channelId: from.channelId,
        blocked: false,
        msg: { topic: 'fallback', payload: plain({ eventId, from, reason, step, to }), roomId, eventId, bindingId: from.bindingId },
      };
    }
    case 'typing':
    case 'read': {
      const { kind, roomId, bindingId, ...payload } = notification;
      return { category: kind, channelId: null, blocked: false, signal: true, msg: { topic: kind, payload, roomId, bindingId } };
    }
  }
}

/** A delivery to a flow channel, shaped like the body a webhook channel POSTs, plus the whole event. */
export function deliveryMsg(message: OutboundMessage): NodeMessage {
  const event = message.event;
  return {
    topic: event.type,
    payload: {
      deliveryId: message.deliveryId,
      eventId: event.id,
      roomId: message.roomId,
      index: event.index,
      to: message.to.address,
      type: event.type,
      content: plain(message.content),
      correlationId: event.correlationId,
      createdAt: event.createdAt,
      event: plain(event),
    },
    roomId: message.roomId,
    eventId: event.id,
    bindingId: message.to.bindingId,
    address: message.to.address,
    correlationId: event.correlationId,
  };
}
