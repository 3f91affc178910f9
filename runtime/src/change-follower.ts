// DESIGN.md section 13: what other engines on the same database committed reaches this one
// through the store's change feed, in commit order. Rooms they wrote leave this engine's cache
// (the next write here reloads them instead of losing a compare-and-set), stored hooks and merges
// they made take effect here, timers they armed wake this scheduler, and their events, side
// effects and delivery changes are announced to this engine's subscribers (`room in` nodes, web
// chat sockets) exactly as if they had been committed here, and so are the fallback steps they
// took and the read horizons they moved: each once. Their typing signals, never stored, are
// announced as they arrive. When the feed lost some of their changes (away longer than its log keeps them),
// everything this engine keeps from the database is read again instead (`resync`).
import type { EngineParts } from './engine-parts';
import { noteMerged } from './identity/resolver';
import type { Change, ChangeFeed, Resync } from './store/store';

/** What another engine's commit can touch here: cached rooms, hooks, merges, timers, subscribers. */
type FollowerParts = Pick<EngineParts, 'store' | 'cache' | 'hooks' | 'notifier' | 'scheduler' | 'mergedIdentities' | 'logger'>;

/** Events whose correlation id is remembered: a delivery's status changes announce it again and again. */
const REMEMBERED_EVENTS = 10_000;

export function followChanges(parts: FollowerParts, feed: ChangeFeed): () => void {
  const correlations = new Map<string, string | null>();
  const stopChanges = feed.subscribe((notice) => ('resync' in notice ? resync(parts, notice) : applyChange(parts, notice, correlations)));
  const stopSignals = feed.subscribeSignals((signal) => parts.notifier.emit({ kind: 'typing', ...signal }));
  return () => {
    stopChanges();
    stopSignals();
  };
}

/**
 * What a lost change would have corrected, read again: every cached room (dropped, reloaded on
 * next use), the stored hooks, the merges this engine follows, the next due timer. Deliveries need
 * nothing: the worker claims what is queued every third of a lease anyway.
 */
async function resync(parts: FollowerParts, { awayMs }: Resync): Promise<void> {
  parts.cache.invalidateAll();
  parts.hooks.replaceStored(await parts.store.listHooks());
  const known = new Set([...parts.mergedIdentities.keys(), ...parts.mergedIdentities.values()]);
  for (const identity of await Promise.all([...known].map((id) => parts.store.getIdentity(id)))) {
    if (identity?.mergedInto) noteMerged(parts, identity.id, identity.mergedInto);
  }
  await parts.scheduler.rescan();
  parts.logger.warn(
    `the change feed was away ${Math.round(awayMs / 1000)} s and other engines' changes may have left its log: ` +
      'cached rooms, hooks, merges and timers were read again; web chat and agent inbox pages read again what they show, MCP subscribers are told to read again, other live subscribers (`room in` nodes) may have missed events',
  );
  parts.notifier.emit({ kind: 'resync', awayMs });
}

function remember(correlations: Map<string, string | null>, eventId: string, correlationId: string | null): void {
  correlations.set(eventId, correlationId);
  if (correlations.size > REMEMBERED_EVENTS) correlations.delete(correlations.keys().next().value!);
}

async function applyChange(parts: FollowerParts, change: Change, correlations: Map<string, string | null>): Promise<void> {
  const { store, notifier } = parts;
  for (const room of change.rooms) parts.cache.invalidateIfBehind(room.id, room.version);
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
  // The records are read only to be announced: with no subscriber there is no one to tell.
  if (notifier.size === 0) return;
  // Read at once, announced in the order the other engine wrote them.
  const [events, sideEffects, deliveries, fallbacks] = await Promise.all([
    Promise.all(change.events.map((id) => store.getEvent(id))),
    Promise.all(change.sideEffects.map((id) => store.getSideEffect(id))),
    Promise.all(change.deliveries.map((id) => store.getDelivery(id))),
    // Notices from engines that predate fallback announcements carry none.
    Promise.all((change.fallbacks ?? []).map((step) => Promise.all([store.getDelivery(step.fromDeliveryId), step.toDeliveryId === null ? null : store.getDelivery(step.toDeliveryId)]))),
  ]);
  for (const event of events) if (event) remember(correlations, event.id, event.correlationId);
  // An event's correlation id never changes: read once per event, not once per status change.
  const unknown = [...new Set(deliveries.flatMap((d) => (d && !correlations.has(d.eventId) ? [d.eventId] : [])))];
  for (const event of await Promise.all(unknown.map((id) => store.getEvent(id)))) if (event) remember(correlations, event.id, event.correlationId);
  for (const event of events) if (event) notifier.emit({ kind: 'event', roomId: event.roomId, event });
  for (const sideEffect of sideEffects) if (sideEffect) notifier.emit({ kind: 'side_effect', roomId: sideEffect.roomId, sideEffect });
  deliveries.forEach((read) => {
    if (!read) return;
    // Read after the commit, the delivery may have moved on since: each change is announced as it was committed.
    const status = change.deliveryStatuses?.[read.id];
    const delivery = status && status !== read.status ? { ...read, status } : read;
    notifier.emit({
      kind: 'delivery',
      roomId: delivery.roomId,
      delivery,
      event: { id: delivery.eventId, correlationId: correlations.get(delivery.eventId) ?? null, index: delivery.eventIndex },
    });
  });
  (change.fallbacks ?? []).forEach((step, i) => {
    const [from, to] = fallbacks[i]!;
    if (!from || (step.toDeliveryId !== null && !to)) return;
    notifier.emit({ kind: 'fallback', roomId: step.roomId, eventId: step.eventId, from, reason: step.reason, step: step.step, to });
  });
  for (const read of change.reads ?? []) notifier.emit({ kind: 'read', ...read });
}
