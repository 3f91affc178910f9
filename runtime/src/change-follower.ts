// DESIGN.md section 13: what other engines on the same database committed reaches this one
// through the store's change feed, in commit order. Rooms they wrote leave this engine's cache
// (the next write here reloads them instead of losing a compare-and-set), stored hooks and merges
// they made take effect here, timers they armed wake this scheduler, and their events, side
// effects and delivery changes are announced to this engine's subscribers (`room in` nodes, web
// chat sockets) exactly as if they had been committed here, and so are the fallback steps they
// took: each once.
import type { EngineParts } from './engine-parts';
import { noteMerged } from './identity/resolver';
import type { Change, ChangeFeed } from './store/store';

export function followChanges(parts: EngineParts, feed: ChangeFeed): () => void {
  return feed.subscribe((change) => applyChange(parts, change));
}

async function applyChange(parts: EngineParts, change: Change): Promise<void> {
  const { store, notifier } = parts;
  for (const room of change.rooms) parts.cache.invalidateIfBehind(room.id, room.latestIndex);
  for (const id of change.deletedHooks) parts.hooks.remove(id);
  if (change.hooks.length > 0) {
    const stored = new Map((await store.listHooks()).map((hook) => [hook.id, hook]));
    for (const id of change.hooks) {
      const hook = stored.get(id);
      if (hook) parts.hooks.addStored(hook);
    }
  }
  for (const id of change.identities) {
    const identity = await store.getIdentity(id);
    if (identity?.mergedInto) noteMerged(parts, identity.id, identity.mergedInto);
  }
  if (change.timerDueAt !== null) parts.scheduler.noteDue(change.timerDueAt);
  for (const id of change.events) {
    const event = await store.getEvent(id);
    if (event) notifier.emit({ kind: 'event', roomId: event.roomId, event });
  }
  for (const id of change.sideEffects) {
    const sideEffect = await store.getSideEffect(id);
    if (sideEffect) notifier.emit({ kind: 'side_effect', roomId: sideEffect.roomId, sideEffect });
  }
  for (const id of change.deliveries) {
    const delivery = await store.getDelivery(id);
    if (!delivery) continue;
    const event = await store.getEvent(delivery.eventId);
    notifier.emit({
      kind: 'delivery',
      roomId: delivery.roomId,
      delivery,
      event: { id: delivery.eventId, correlationId: event?.correlationId ?? null, index: delivery.eventIndex },
    });
  }
  // Notices from engines that predate fallback announcements carry none.
  for (const step of change.fallbacks ?? []) {
    const from = await store.getDelivery(step.fromDeliveryId);
    const to = step.toDeliveryId === null ? null : await store.getDelivery(step.toDeliveryId);
    if (!from || (step.toDeliveryId !== null && !to)) continue;
    notifier.emit({ kind: 'fallback', roomId: step.roomId, eventId: step.eventId, from, reason: step.reason, step: step.step, to });
  }
}
