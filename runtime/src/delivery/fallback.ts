// DESIGN.md section 8, fallback: when a delivery fails, or no `delivered` status arrives within
// `after`, the same event goes to the participant's next channel. The new delivery records
// `fallbackOf`; the chain stops at the first success or when the policy's channel list is
// exhausted (the first delivery then ends `failed` with reason `no_channels_left`). Each step
// fires at most once, never for a delivery that already succeeded, and its timer is durable.
// Each step is committed with its notice, so every engine on the database announces it once.
import type { EngineParts } from '../engine-parts';
import { newId } from '../ids';
import type { Binding, Delivery, FallbackPolicy, FallbackTrigger, RoomEvent } from '../model';
import { canTakeFallback } from '../permissions';
import type { LoadedRoom } from '../pipeline/room-cache';
import { commitRoomWrites, inRoom } from '../pipeline/room-writes';
import { BLOCKED_BY_HOOK, NO_CHANNELS_LEFT } from './worker';
import { NO_RECEIPT, noReceiptTimer } from './fallback-timer';
import { fired } from '../timers/fired';
import type { Timer } from '../timers/types';
import type { FallbackStep } from '../store/store';

const SUCCEEDED = new Set(['delivered', 'read']);

/** A fallback step writes its room and queues the next delivery; the no-receipt wait is a timer. */
type FallbackParts = Pick<EngineParts, 'store' | 'cache' | 'serial' | 'channels' | 'delivery' | 'scheduler' | 'clock' | 'leases'>;

/**
 * Why a delivery's final state asks for fallback, or null. A delivery a `before_deliver` hook
 * blocked did not fail to reach the person: it was withheld on purpose, and sending it on another
 * channel would route around the hook (a moderation hook must be able to fail closed).
 */
export function fallbackTrigger(delivery: Delivery): FallbackTrigger | null {
  if (delivery.error?.code === BLOCKED_BY_HOOK) return null;
  if (delivery.error?.code === 'outside_window') return 'outside_window';
  if (delivery.status === 'failed') return 'failed';
  if (delivery.status === 'undelivered') return 'undelivered';
  return null;
}

export type FallbackStepNotice = {
  roomId: string;
  eventId: string;
  from: Delivery;
  reason: FallbackTrigger;
  step: number;
  /** The new delivery, or null when no channel was left. */
  to: Delivery | null;
};

export class FallbackRunner {
  constructor(
    private readonly parts: FallbackParts,
    private readonly onStep: (notice: FallbackStepNotice) => void,
  ) {}

  register(): void {
    this.parts.scheduler.on(NO_RECEIPT, async (timer) => {
      const delivery = await this.parts.store.getDelivery(String(timer.payload.deliveryId));
      if (delivery && !SUCCEEDED.has(delivery.status) && delivery.status !== 'failed' && delivery.status !== 'undelivered') {
        await this.step(delivery, 'no_receipt', timer);
      } else {
        await this.parts.store.commit({ firedTimers: [fired(timer)] });
      }
    });
  }

  /** A delivery reached a final failure: fall back if its chain's policy says so. */
  async onFailure(delivery: Delivery): Promise<void> {
    const reason = fallbackTrigger(delivery);
    if (reason) await this.step(delivery, reason, null);
  }

  private step(delivery: Delivery, reason: FallbackTrigger, timer: Timer | null): Promise<void> {
    return inRoom(this.parts, delivery.roomId, async () => {
      const firedTimers = timer ? [fired(timer)] : [];
      const loaded = await this.parts.cache.load(delivery.roomId);
      const event = await this.parts.store.getEvent(delivery.eventId);
      const siblings = await this.parts.store.listDeliveriesForEvent(delivery.eventId);
      const chain = chainOf(delivery, siblings);
      const root = chain[0]!;
      const policy = loaded?.binding(root.bindingId)?.fallback ?? null;
      const alreadyStepped = siblings.some((d) => d.fallbackOf === delivery.id);
      const succeeded = chain.some((d) => SUCCEEDED.has(d.status));
      if (!loaded || !event || !policy || !policy.on.includes(reason) || alreadyStepped || succeeded) {
        if (firedTimers.length) await this.parts.store.commit({ firedTimers });
        return;
      }
      const now = this.parts.clock();
      const iso = new Date(now).toISOString();
      const step = chain.length;
      const next = await this.nextTarget(loaded, policy, chain, root, event);
      if (!next) {
        if (firedTimers.length) await this.parts.store.commit({ firedTimers });
        await this.parts.delivery.endFallbackChain(root, {
          code: NO_CHANNELS_LEFT,
          reason: `fallback exhausted after ${step - 1} step(s); last reason: ${reason}`,
        });
        await this.parts.store.commit({ fallbacks: [{ roomId: root.roomId, eventId: root.eventId, fromDeliveryId: delivery.id, reason, step, toDeliveryId: null }] });
        this.onStep({ roomId: root.roomId, eventId: root.eventId, from: delivery, reason, step, to: null });
        return;
      }
      const writes = {
        bindings: next.created ? [next.binding] : [],
        deliveries: [] as Delivery[],
        timers: [] as Timer[],
        firedTimers,
        fallbacks: [] as FallbackStep[],
      };
      if (next.created) loaded.replaceBinding(next.binding);
      const fallbackDelivery: Delivery = {
        id: newId('dlv'),
        eventId: event.id,
        roomId: event.roomId,
        eventIndex: event.index,
        bindingId: next.binding.id,
        channelId: next.binding.channelId,
        status: 'queued',
        attempts: 0,
        providerMessageId: null,
        error: null,
        fallbackOf: delivery.id,
        createdAt: iso,
        updatedAt: iso,
      };
      writes.deliveries.push(fallbackDelivery);
      writes.fallbacks.push({ roomId: root.roomId, eventId: root.eventId, fromDeliveryId: delivery.id, reason, step, toDeliveryId: fallbackDelivery.id });
      const noReceipt = noReceiptTimer(fallbackDelivery, policy, now);
      if (noReceipt) writes.timers.push(noReceipt);
      await commitRoomWrites(this.parts, loaded, writes);
      this.parts.delivery.enqueue(event as RoomEvent, [fallbackDelivery]);
      this.onStep({ roomId: root.roomId, eventId: root.eventId, from: delivery, reason, step, to: fallbackDelivery });
    });
  }

  /**
   * The participant's binding on the next policy channel not tried yet in this chain. Without one
   * in the room, a binding is created `invited`: it carries fallback deliveries only, never the
   * room's broadcast. Its address is the identity's address on that channel type, or the source
   * binding's address (a phone number serves SMS and WhatsApp alike). A channel where the person's
   * binding may not take the event (it left, cannot read, or the event's visibility leaves it out)
   * is passed over: it is neither used nor replaced by a new binding.
   */
  private async nextTarget(
    loaded: LoadedRoom,
    policy: FallbackPolicy,
    chain: Delivery[],
    root: Delivery,
    event: RoomEvent,
  ): Promise<{ binding: Binding; created: boolean } | null> {
    const tried = new Set(chain.map((d) => d.channelId));
    const source = loaded.binding(root.bindingId)!;
    const identity = source.identityId ? await this.parts.store.getIdentity(source.identityId) : null;
    for (const channelId of policy.channels) {
      if (tried.has(channelId)) continue;
      // A channel known to the store but not registered yet (its node deploys a moment after the
      // engine opens, while due timers already fire) still counts: its delivery waits for it.
      const channel = this.parts.channels.get(channelId)?.channel ?? (await this.parts.store.getChannel(channelId));
      if (!channel) continue;
      const theirs = loaded.bindings.filter((b) => b.channelId === channelId && (b.identityId === source.identityId || b.address === source.address));
      if (theirs.length > 0) {
        const usable = theirs.find((b) => canTakeFallback(event, b));
        if (usable) return { binding: usable, created: false };
        continue;
      }
      const iso = new Date(this.parts.clock()).toISOString();
      const created: Binding = {
        ...source,
        id: newId('bnd'),
        channelId,
        channelType: channel.type,
        address: identity?.addresses.find((a) => a.channelType === channel.type)?.address ?? source.address,
        direction: channel.direction,
        state: 'invited',
        fallback: null,
        lastReadIndex: -1,
        metadata: { fallbackFor: source.id },
        createdAt: iso,
        updatedAt: iso,
      };
      // An inbound-only channel cannot carry it.
      if (canTakeFallback(event, created)) return { binding: created, created: true };
    }
    return null;
  }
}

/** The deliveries from the original one down to `delivery`, following `fallbackOf`. */
function chainOf(delivery: Delivery, siblings: Delivery[]): Delivery[] {
  const byId = new Map(siblings.map((d) => [d.id, d]));
  const chain = [delivery];
  let current = delivery;
  while (current.fallbackOf && byId.has(current.fallbackOf)) {
    current = byId.get(current.fallbackOf)!;
    chain.unshift(current);
  }
  return chain;
}
