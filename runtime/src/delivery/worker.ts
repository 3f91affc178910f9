// DESIGN.md section 3 step 6 and section 8: drains the outbox written at commit. One lane per
// target binding keeps that participant's messages in index order; lanes run concurrently.
// Transient provider errors are retried with exponential backoff and jitter, permanent ones fail
// at once. Status only moves forward, whichever order provider callbacks arrive in.
import type { EngineParts } from '../engine-parts';
import type { Binding, Content, Delivery, DeliveryError, DeliveryStatus, JsonObject, Room, RoomEvent } from '../model';
import { ProviderError, type OutboundMessage, type Provider, type SendResult } from '../providers/contract';
import { runAsyncHooks, runSyncHooks } from '../hooks/run';
import { validateContent } from '../content-validation';
import { sideEffect } from '../pipeline/records';
import { canAdvance, transitioned, type DeliveryChanges } from './status';
import { conversationThread } from './thread';
import { StatusBatch } from './status-batch';
import { SerialQueues } from '../pipeline/serial';

/** Sending, retrying and recording status: the store, the room cache, hooks, channels and the leases. */
type DeliveryParts = Pick<EngineParts, 'store' | 'cache' | 'hooks' | 'notifier' | 'channels' | 'clock' | 'logger' | 'leases'>;

export interface DeliveryOptions {
  maxAttempts: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_DELIVERY_OPTIONS: DeliveryOptions = { maxAttempts: 5, baseBackoffMs: 200, maxBackoffMs: 30_000 };

/**
 * Turns an event's content into what the target channel is sent (the transcoder plugs in here).
 * `failed` refuses the delivery with a reason (`outside_window`): nothing is sent.
 */
export type PrepareContent = (
  event: RoomEvent,
  target: Binding,
  delivery: Delivery,
) => Promise<PreparedContent> | PreparedContent;

export type PreparedContent =
  /** `parts`: several messages to send in order (a long text split for the channel). */
  | { content: Content; parts?: Content[]; sent?: Delivery['sent'] }
  | { failed: DeliveryError };

/** What the worker tells the rest of the engine about. */
export interface DeliveryObserver {
  /** A delivery reached `failed` or `undelivered` (fallback may take over). */
  onFinalFailure(delivery: Delivery): void;
  /** A read receipt arrived (the binding's read horizon advances). */
  onRead(delivery: Delivery): void;
}

interface LaneItem {
  delivery: Delivery;
  event: RoomEvent;
  /** Times its processing failed before the send (a store read, a transcoder error). */
  failures?: number;
}

/** Tries to store one status change before giving up (the delivery is then sent again after a restart). */
const STATUS_WRITE_ATTEMPTS = 8;

/** Deliveries claimed per store round trip. */
const CLAIM_BATCH = 500;

/** The reason on the first delivery of a fallback chain that ran out of channels. */
export const NO_CHANNELS_LEFT = 'no_channels_left';

/** The error code of a delivery a `before_deliver` hook blocked (or that failed closed). */
export const BLOCKED_BY_HOOK = 'blocked';

export interface StatusUpdate {
  channelId: string;
  deliveryId?: string;
  providerMessageId?: string;
  status: DeliveryStatus;
  error?: DeliveryError;
}

export class DeliveryWorker {
  private readonly lanes = new Map<string, LaneItem[]>();
  private readonly running = new Set<string>();
  private closed = false;
  private readonly sleepers = new Set<() => void>();
  /** Latest state of deliveries in a lane, so the hot path does not read back what it just wrote. */
  private readonly active = new Map<string, Delivery>();
  /**
   * One delivery's status changes, in the order they were asked for; a key stays until its last
   * change is durable. A lane sends its next message without waiting for the previous status to be
   * durable (that would cap a lane at one message per disk sync); idle and close wait for them here.
   */
  private readonly statusOrder = new SerialQueues();
  private parts!: DeliveryParts;
  private statusBatch!: StatusBatch;

  private observer: DeliveryObserver | null = null;
  private readonly slots = new Map<string, { used: number; waiting: (() => void)[] }>();

  private prepareContent!: PrepareContent;
  private leaseTimer: NodeJS.Timeout | null = null;
  private leaseWork: Promise<unknown> | null = null;

  constructor(private readonly options: DeliveryOptions) {}

  attach(parts: DeliveryParts, prepareContent: PrepareContent, observer: DeliveryObserver): void {
    this.parts = parts;
    this.statusBatch = new StatusBatch((writes) => parts.store.commit(writes));
    this.prepareContent = prepareContent;
    this.observer = observer;
  }

  enqueue(event: RoomEvent, deliveries: Delivery[]): void {
    if (this.closed) return;
    for (const delivery of deliveries) {
      this.active.set(delivery.id, delivery);
      const lane = this.lanes.get(delivery.bindingId);
      if (lane) lane.push({ delivery, event });
      else this.lanes.set(delivery.bindingId, [{ delivery, event }]);
      if (!this.running.has(delivery.bindingId)) void this.drainLane(delivery.bindingId);
    }
  }

  /**
   * Claims queued deliveries nobody holds a live lease on (on start: those a previous run left;
   * later: those of an engine that died) and puts them in their lanes, in index order.
   */
  async claimQueued(): Promise<number> {
    let claimed = 0;
    for (;;) {
      const batch = await this.parts.store.claimDeliveries(this.parts.leases.next(), CLAIM_BATCH);
      const events = new Map<string, RoomEvent | null>();
      for (const delivery of batch) {
        if (this.active.has(delivery.id)) continue;
        if (!events.has(delivery.eventId)) events.set(delivery.eventId, await this.parts.store.getEvent(delivery.eventId));
        const event = events.get(delivery.eventId);
        if (event) this.enqueue(event, [delivery]);
      }
      claimed += batch.length;
      if (batch.length < CLAIM_BATCH || this.closed) return claimed;
    }
  }

  /** Renews this engine's leases and takes over lapsed ones, every third of a lease. */
  startLeases(): void {
    const every = Math.max(50, Math.floor(this.parts.leases.durationMs / 3));
    this.leaseTimer = setInterval(() => {
      if (this.leaseWork) return;
      this.leaseWork = this.parts.store
        .renewDeliveryLeases(this.parts.leases.next())
        .then(() => this.claimQueued())
        .catch((error: unknown) => this.parts.logger.warn(`delivery leases: ${String(error)}`))
        .finally(() => {
          this.leaseWork = null;
        });
    }, every);
    this.leaseTimer.unref();
  }

  /** True when no lane has work and every status write has committed. */
  get idle(): boolean {
    return this.running.size === 0 && this.statusOrder.size === 0;
  }

  /** A status change the lane does not wait for: a failure to store it is logged (it was retried). */
  private recordStatus(write: Promise<unknown>): void {
    void write.catch((error: unknown) => this.parts.logger.error(`a delivery status could not be stored: ${String(error)}`));
  }

  async waitIdle(): Promise<void> {
    while (!this.idle) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  close(): void {
    this.closed = true;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    for (const wake of this.sleepers) wake();
  }

  /** After close: what is still queued is left to whichever engine claims it next, at once. */
  async releaseLeases(): Promise<void> {
    await this.leaseWork;
    await this.parts.store.renewDeliveryLeases({ owner: this.parts.leases.owner, until: 0 });
  }

  /** A provider status callback (or the worker's own result): applied only if it moves forward. */
  applyStatus(update: StatusUpdate): Promise<Delivery | null> {
    return this.findDelivery(update).then((found) => (found ? this.transition(found.id, update.status, update.error) : null));
  }

  private async findDelivery(update: StatusUpdate): Promise<Delivery | null> {
    if (update.deliveryId) {
      const delivery = await this.parts.store.getDelivery(update.deliveryId);
      return delivery && delivery.channelId === update.channelId ? delivery : null;
    }
    if (update.providerMessageId) {
      return this.parts.store.findDeliveryByProviderMessageId(update.channelId, update.providerMessageId);
    }
    return null;
  }

  /**
   * The end of an exhausted fallback chain: the first delivery ends `failed` with
   * `no_channels_left`, announced like any status change (notification, on_delivery_status).
   */
  endFallbackChain(first: Delivery, error: DeliveryError): Promise<Delivery | null> {
    return this.transition(first.id, 'failed', error, { error });
  }

  /**
   * One delivery's transitions run one after another (its own send and a provider callback may
   * race). Written without async frames: thousands of status writes wait for their commit at once,
   * and each suspended frame kept a generator, promises and closures alive in the young
   * generation until then, for the garbage collector to copy.
   */
  private transition(
    deliveryId: string,
    status: DeliveryStatus,
    error?: DeliveryError,
    changes: DeliveryChanges = {},
    event?: RoomEvent,
  ): Promise<Delivery | null> {
    return this.statusOrder.run(deliveryId, () => {
      const current = this.active.get(deliveryId);
      if (current) return this.advance(current, status, error, changes, event);
      return this.parts.store.getDelivery(deliveryId).then((stored) => (stored ? this.advance(stored, status, error, changes, event) : null));
    });
  }

  private advance(current: Delivery, status: DeliveryStatus, error: DeliveryError | undefined, changes: DeliveryChanges, event: RoomEvent | undefined): Promise<Delivery> {
    const moves = canAdvance(current.status, status);
    if (!moves && Object.keys(changes).length === 0) return Promise.resolve(current);
    const next = transitioned(
      current,
      changes,
      moves ? status : current.status,
      // A retry records why it is retrying (`changes.error`); a success clears it.
      moves && error ? error : changes.error !== undefined ? changes.error : current.error,
      new Date(this.parts.clock()).toISOString(),
    );
    // The lane is done with a delivery once it leaves `queued`; later callbacks read the store.
    if (next.status === 'queued') this.active.set(next.id, next);
    else this.active.delete(next.id);
    return this.stored(next, 1, () => {
      if (moves) this.announceMove(next, event);
      return next;
    });
  }

  private announceMove(next: Delivery, event: RoomEvent | undefined): void {
    this.announce(next, event);
    const chainEnded = next.error?.code === NO_CHANNELS_LEFT;
    if ((next.status === 'failed' || next.status === 'undelivered') && !chainEnded) this.observer?.onFinalFailure(next);
    if (next.status === 'read') this.observer?.onRead(next);
  }

  private stored<T>(delivery: Delivery, attempt: number, then: () => T): Promise<T> {
    return this.statusBatch.write(delivery).then(then, (error: unknown) => {
      if (this.closed || attempt >= STATUS_WRITE_ATTEMPTS) throw error;
      this.parts.logger.warn(`delivery ${delivery.id}: storing status ${delivery.status} failed, trying again: ${String(error)}`);
      return this.sleep(this.backoff(attempt)).then(() => this.stored(delivery, attempt + 1, then));
    });
  }


  /** The worker's own transitions know their event: announced at once, without a read or a promise. */
  private announce(delivery: Delivery, known?: RoomEvent): void {
    if (known) this.announceFor(delivery, known);
    else void this.parts.store.getEvent(delivery.eventId).then((event) => this.announceFor(delivery, event), (error: unknown) => this.cannotAnnounce(delivery, error));
  }

  private announceFor(delivery: Delivery, event: RoomEvent | null): void {
    const summary = { id: delivery.eventId, correlationId: event?.correlationId ?? null, index: delivery.eventIndex };
    this.parts.notifier.emit({ kind: 'delivery', roomId: delivery.roomId, delivery, event: summary });
    if (!this.parts.hooks.hasAny('on_delivery_status')) return;
    const runHooks = (room: Room | null) => {
      if (!room) return;
      runAsyncHooks(this.parts.hooks, 'on_delivery_status', room, { detail: { delivery, event: summary } as unknown as JsonObject }, (hook, e) =>
        this.parts.logger.warn(`hook ${hook} failed: ${String(e)}`),
      );
    };
    const cached = this.parts.cache.peek(delivery.roomId)?.room;
    if (cached) runHooks(cached);
    else void this.parts.store.getRoom(delivery.roomId).then(runHooks, (error: unknown) => this.cannotAnnounce(delivery, error));
  }

  private cannotAnnounce(delivery: Delivery, error: unknown): void {
    this.parts.logger.warn(`delivery ${delivery.id}: its status ${delivery.status} is stored but could not be announced: ${String(error)}`);
  }

  private async drainLane(bindingId: string): Promise<void> {
    this.running.add(bindingId);
    try {
      const lane = this.lanes.get(bindingId)!;
      while (lane.length > 0 && !this.closed) {
        const item = lane.shift()!;
        try {
          await this.deliver(item);
        } catch (error) {
          await this.afterProcessingFailed(lane, item, error);
        }
      }
      if (lane.length === 0) this.lanes.delete(bindingId);
    } finally {
      this.running.delete(bindingId);
    }
  }

  /**
   * Processing threw before the provider's answer (a store read, a transcoder, a hook's side
   * effects). The delivery is still queued and leased to this engine, which renews the lease, so
   * no other engine would take it: it is tried again here, at the head of its lane (the binding's
   * later messages wait behind it, in order), and failed once it has failed as often as a send may.
   */
  private async afterProcessingFailed(lane: LaneItem[], item: LaneItem, error: unknown): Promise<void> {
    const failures = (item.failures ?? 0) + 1;
    const { id } = item.delivery;
    if (failures < this.options.maxAttempts) {
      const wait = this.backoff(failures);
      this.parts.logger.warn(`delivery ${id} could not be processed (try ${failures}), again in ${wait} ms: ${String(error)}`);
      await this.sleep(wait);
      lane.unshift({ ...item, failures });
      return;
    }
    this.parts.logger.error(`delivery ${id} could not be processed after ${failures} tries: ${String(error)}`);
    try {
      await this.transition(id, 'failed', { code: 'processing_failed', reason: String(error) }, {}, item.event);
    } catch (stored) {
      // The store refused too: the delivery stays queued for the next engine (or start) to claim.
      this.parts.logger.error(`delivery ${id} could not be marked failed: ${String(stored)}`);
    }
    this.active.delete(id);
  }

  private async deliver({ delivery, event }: LaneItem): Promise<void> {
    // The hot path awaits only what is really asynchronous (the send): each needless await of a
    // value already at hand costs a promise and a turn of the microtask queue per delivery.
    const target = this.parts.cache.peek(delivery.roomId)?.binding(delivery.bindingId) ?? (await this.parts.store.getBinding(delivery.bindingId));
    if (!target) {
      await this.transition(delivery.id, 'failed', { code: 'binding_gone', reason: `binding ${delivery.bindingId} no longer exists` }, {}, event);
      return;
    }
    let attempts = delivery.attempts;
    while (!this.closed) {
      const registered = this.parts.channels.get(delivery.channelId);
      if (!registered) {
        // The channel's node is not deployed right now: wait for it instead of failing the message.
        await Promise.race([this.parts.channels.whenRegistered(delivery.channelId), this.sleep(60_000)]);
        continue;
      }
      const transcoded = this.prepareContent(event, target, delivery);
      const content = transcoded instanceof Promise ? await transcoded : transcoded;
      const prepared = 'failed' in content || !this.parts.hooks.hasAny('before_deliver') ? content : await this.beforeDeliver(event, target, content);
      if ('failed' in prepared) {
        this.recordStatus(this.transition(delivery.id, 'failed', prepared.failed, { attempts }, event));
        this.afterDeliver(event, target, delivery.id, 'failed');
        return;
      }
      attempts++;
      const message: OutboundMessage = {
        deliveryId: delivery.id,
        idempotencyKey: `${event.id}:${target.id}`,
        channel: registered.channel,
        roomId: event.roomId,
        event,
        content: prepared.content,
        to: { bindingId: target.id, address: target.address, metadata: target.metadata, fallback: target.fallback ?? null },
        attempt: attempts,
        thread: () => conversationThread(this.parts.store, event, target.id),
      };
      const release = this.takeSlot(delivery.channelId, registered.maxConcurrency) ?? (await this.acquireSlot(delivery.channelId, registered.maxConcurrency));
      try {
        const result = await this.sendParts(registered.provider, message, prepared.parts);
        this.recordStatus(this.transition(
          delivery.id,
          result.status,
          undefined,
          { attempts, providerMessageId: result.providerMessageId ?? null, sent: prepared.sent ?? null, error: null },
          event,
        ));
        this.afterDeliver(event, target, delivery.id, result.status);
        return;
      } catch (error) {
        const failure =
          error instanceof ProviderError ? error : new ProviderError('provider_error', (error as Error)?.message ?? String(error), false);
        if (failure.permanent || attempts >= this.options.maxAttempts) {
          this.recordStatus(this.transition(delivery.id, 'failed', { code: failure.code, reason: failure.message }, { attempts }, event));
          this.afterDeliver(event, target, delivery.id, 'failed');
          return;
        }
        this.recordStatus(this.transition(delivery.id, 'queued', undefined, { attempts, error: { code: failure.code, reason: failure.message } }));
        release();
        await this.sleep(this.backoff(attempts));
        continue;
      } finally {
        release();
      }
    }
  }

  /**
   * DESIGN.md section 3 step 6: `before_deliver` hooks (called only when any are registered)
   * decide per target, after transcoding. They may block this delivery (it fails with the hook's
   * name) or replace the content this target gets; tasks and observations they return are stored
   * like any side effect.
   */
  private async beforeDeliver(event: RoomEvent, target: Binding, prepared: Exclude<PreparedContent, { failed: DeliveryError }>): Promise<PreparedContent> {
    const room = this.parts.cache.peek(event.roomId)?.room ?? (await this.parts.store.getRoom(event.roomId));
    if (!room) return prepared;
    const outcome = await runSyncHooks(
      this.parts.hooks,
      'before_deliver',
      room,
      { ...event, content: prepared.content },
      null,
      null,
      validateContent,
      target,
    );
    for (const failure of outcome.failures) this.parts.logger.warn(`hook ${failure.hook} failed (${failure.failMode}): ${failure.error}`);
    const now = new Date(this.parts.clock()).toISOString();
    const effects = [
      ...outcome.tasks.map(({ hook, task }) => sideEffect(room.id, event.id, 'task', { status: 'open', ...task } as JsonObject, hook, now)),
      ...outcome.observations.map(({ hook, observation }) => sideEffect(room.id, event.id, 'observation', observation as unknown as JsonObject, hook, now)),
    ];
    if (effects.length > 0) {
      await this.parts.store.commit({ sideEffects: effects });
      for (const effect of effects) this.parts.notifier.emit({ kind: 'side_effect', roomId: room.id, sideEffect: effect });
    }
    if (outcome.blockedBy) {
      return { failed: { code: BLOCKED_BY_HOOK, reason: `blocked by hook ${outcome.blockedBy}${outcome.blockReason ? `: ${outcome.blockReason}` : ''}` } };
    }
    if (outcome.event.content === prepared.content) return prepared;
    const content = outcome.event.content;
    return { content, sent: { parts: [content], degradations: [], ...(prepared.sent?.sms ? { sms: prepared.sent.sms } : {}) } };
  }

  /** `after_deliver` hooks: told how one target's delivery attempt ended; they cannot change it. */
  private afterDeliver(event: RoomEvent, target: Binding, deliveryId: string, status: DeliveryStatus): void {
    if (!this.parts.hooks.hasAny('after_deliver')) return;
    const room = this.parts.cache.peek(event.roomId)?.room;
    if (!room) return;
    runAsyncHooks(this.parts.hooks, 'after_deliver', room, { event, targetBinding: target, detail: { deliveryId, status } }, (hook, error) =>
      this.parts.logger.warn(`hook ${hook} failed: ${String(error)}`),
    );
  }

  /**
   * Sends every part in order; each has its own idempotency key, so a retry after a partial
   * failure does not make a provider that honours keys send the first parts twice.
   */
  private sendParts(provider: Provider, message: OutboundMessage, parts: Content[] | undefined): Promise<SendResult> {
    // One part (nearly every message) is the provider's own promise, not one wrapped around it.
    if (!parts || parts.length < 2) return provider.send(message);
    return this.sendEachPart(provider, message, parts);
  }

  private async sendEachPart(provider: Provider, message: OutboundMessage, parts: Content[]): Promise<SendResult> {
    let result: SendResult | undefined;
    for (const [i, content] of parts.entries()) {
      result = await provider.send({ ...message, content, idempotencyKey: `${message.idempotencyKey}:${i + 1}` });
    }
    return result!;
  }

  /** A provider's concurrency limit: at most `limit` sends to one channel at once. */
  private async acquireSlot(channelId: string, limit: number): Promise<() => void> {
    for (;;) {
      const release = this.takeSlot(channelId, limit);
      if (release) return release;
      await new Promise<void>((resolve) => this.slots.get(channelId)!.waiting.push(resolve));
    }
  }

  /** A free slot of the channel at once, or null when all `limit` are in use. */
  private takeSlot(channelId: string, limit: number): (() => void) | null {
    let slot = this.slots.get(channelId);
    if (!slot) this.slots.set(channelId, (slot = { used: 0, waiting: [] }));
    if (slot.used >= limit) return null;
    slot.used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      slot!.used--;
      slot!.waiting.shift()?.();
    };
  }

  /** Exponential backoff with full jitter, so retries of many deliveries do not arrive in lockstep. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.options.maxBackoffMs, this.options.baseBackoffMs * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }
}
