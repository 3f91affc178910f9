// The outbox: one queued delivery row per (event, target binding), written in the event's commit.
import { newId } from '../ids';
import type { Binding, Delivery, RoomEvent } from '../model';

export function buildDeliveries(event: RoomEvent, targets: Binding[], now: string): Delivery[] {
  return targets.map((target) => ({
    id: newId('dlv'),
    eventId: event.id,
    roomId: event.roomId,
    eventIndex: event.index,
    bindingId: target.id,
    channelId: target.channelId,
    status: 'queued',
    attempts: 0,
    providerMessageId: null,
    error: null,
    fallbackOf: null,
    createdAt: now,
    updatedAt: now,
  }));
}
