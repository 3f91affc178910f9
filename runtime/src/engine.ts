// One engine: a store, the pipeline, hooks, channels and the delivery worker. Every external
// surface reaches it through `call(operation, input)`; code that hosts it (Node-RED config nodes,
// tests, benchmarks) also registers channels and in-memory hooks and subscribes to its stream.
import { combineOverrides } from './capabilities';
import { ChannelRegistry } from './channels';
import { DEFAULT_DELIVERY_OPTIONS, DeliveryWorker, type DeliveryOptions, type PrepareContent } from './delivery/worker';
import type { EngineParts, Logger } from './engine-parts';
import { RoomwireError } from './errors';
import { HookRegistry } from './hooks/registry';
import type { HookHandler, HookSettings, StoredHook } from './hooks/types';
import { newId } from './ids';
import { handleInbound, type InboundResult } from './inbound';
import type { Channel, Delivery, Direction, JsonObject } from './model';
import { Notifier, type Listener } from './notify';
import { findOperation, type OperationName } from './operations';
import { RoomCache } from './pipeline/room-cache';
import { SerialQueues } from './pipeline/serial';
import type { InboundRequest, Provider } from './providers/contract';
import { FlowProvider, type FlowListener } from './providers/flow';
import { SqliteStore } from './store/sqlite/sqlite-store';
import { Scheduler } from './timers/scheduler';
import { FallbackRunner } from './delivery/fallback';
import { markRead } from './reads';
import { checkStandingParticipant } from './membership';
import { createPreparer } from './delivery/prepare';
import { registerRoomTimers } from './timers/room-timers';
import { announceTimerStateChange } from './rooms';
import type { Store } from './store/store';
import { chatTokenKey } from './webchat/tokens';
import { ChatHub, type ChatHubOptions } from './webchat/hub';
import { runAiReply, type AiReplyOptions, type AiReplyResult } from './ai/reply';
import { Leases } from './store/leases';
import { followChanges } from './change-follower';

export interface EngineOptions {
  /** SQLite file path (created if missing); ignored when `store` is given. */
  databasePath?: string;
  store?: Store;
  clock?: () => number;
  logger?: Logger;
  /** DESIGN.md section 3 step 7: deeper AI reply chains are stored blocked (`chain_depth`). */
  maxChainDepth?: number;
  delivery?: Partial<DeliveryOptions>;
  /** How content is adapted for each target; defaults to the transcoder with the channel's capability profile. */
  prepareContent?: PrepareContent;
  /**
   * Committed idempotency keys remembered in memory over all rooms (default 10,000), so a retry
   * soon after its original needs no read. Beyond them the store's unique index deduplicates.
   */
  recentIdempotencyKeys?: number;
  /**
   * Key that signs web chat join tokens (HMAC-SHA256). Keep it stable so tokens outlive a restart;
   * without one a random key is made per open, and earlier tokens stop working.
   */
  chatTokenSecret?: string;
  /**
   * Several engines on one database (PostgreSQL): how long this engine's claim on a delivery or
   * a due timer lasts without renewal before another engine takes it over (default 30 s).
   */
  leaseMs?: number;
  /** How often the next due timer is read, for timers other engines commit (default 5 s; only with a change feed). */
  timerPollMs?: number;
  /** Limits of the web chat pages connected to this engine (its `chatHub`). */
  chat?: Partial<ChatHubOptions>;
}

export interface ChannelRegistration {
  id: string;
  type: string;
  provider: Provider;
  direction?: Direction;
  info?: JsonObject;
  profile?: string;
  profileOverride?: Record<string, unknown>;
  /** Sends to this channel under way at once; default 16. */
  maxConcurrency?: number;
}

const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export class Engine {
  private readonly parts: EngineParts;
  /** The web chat pages connected to this engine: made with it, closed with it. */
  readonly chatHub: ChatHub;
  private closed = false;
  private stopFollowing: (() => void) | null = null;

  private constructor(parts: EngineParts, chat: Partial<ChatHubOptions> | undefined) {
    this.parts = parts;
    const recordDelivered = (delivery: Delivery) => parts.delivery.applyStatus({ channelId: delivery.channelId, deliveryId: delivery.id, status: 'delivered' });
    this.chatHub = new ChatHub(this, parts.logger, recordDelivered, chat);
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const store: Store = options.store ?? new SqliteStore(options.databasePath ?? ':memory:');
    await store.open();
    const logger = options.logger ?? silentLogger;
    let engine: Engine | undefined;
    try {
      const delivery = new DeliveryWorker({ ...DEFAULT_DELIVERY_OPTIONS, ...options.delivery });
      const clock = options.clock ?? Date.now;
      const leases = new Leases(undefined, options.leaseMs);
      const parts: EngineParts = {
        store,
        cache: new RoomCache(store, { recentKeys: options.recentIdempotencyKeys }),
        serial: new SerialQueues(),
        hooks: new HookRegistry(),
        notifier: new Notifier((error) => logger.error(`a subscriber failed: ${String(error)}`)),
        channels: new ChannelRegistry(),
        delivery,
        scheduler: new Scheduler(store, clock, logger, leases),
        clock,
        logger,
        leases,
        maxChainDepth: options.maxChainDepth ?? 5,
        mergedIdentities: new Map(),
        inflightProviderMessages: new Map(),
        chatTokenSecret: chatTokenKey(options.chatTokenSecret),
      };
      const fallback = new FallbackRunner(parts, (notice) => parts.notifier.emit({ kind: 'fallback', ...notice }));
      fallback.register();
      delivery.attach(parts, options.prepareContent ?? createPreparer(parts.channels, clock), {
        onFinalFailure: (failed) => void fallback.onFailure(failed).catch((error) => logger.error(`fallback for ${failed.id} failed: ${String(error)}`)),
        // DESIGN.md section 8 / issue 4: read receipts from channels that have them advance the read horizon.
        onRead: (read) => void markRead(parts, read.bindingId, read.eventIndex).catch((error) => logger.warn(`read receipt for ${read.id}: ${String(error)}`)),
      });
      registerRoomTimers(parts, (loaded, writes, previous) => announceTimerStateChange(parts, loaded, writes, previous));
      for (const hook of await store.listHooks()) parts.hooks.addStored(hook);
      engine = new Engine(parts, options.chat);
      if (store.changes) engine.stopFollowing = followChanges(parts, store.changes);
      const resumed = await delivery.claimQueued();
      if (resumed > 0) logger.info(`resumed ${resumed} queued deliveries`);
      delivery.startLeases();
      await parts.scheduler.start(store.changes ? (options.timerPollMs ?? 5000) : undefined);
      return engine;
    } catch (error) {
      // Nothing of an open that failed is left running: no timer, no listener, no connection (a
      // redeploy that keeps failing would otherwise gather PostgreSQL pools and SQLite handles).
      await (engine ? engine.close() : store.close()).catch(() => undefined);
      throw error;
    }
  }

  get databasePath(): string {
    return this.parts.store.path;
  }

  /** Agent inbox sessions, kept in this engine's store: they survive a restart and every instance on the database shares them. */
  get agentSessions(): Pick<Store, 'putAgentSession' | 'getAgentSession' | 'deleteAgentSession' | 'deleteExpiredAgentSessions'> {
    return this.parts.store;
  }

  /** Idempotency-Key records of the REST API, kept in this engine's store beside the data they guard. */
  get idempotencyRecords(): Pick<Store, 'claimIdempotencyKey' | 'completeIdempotencyKey' | 'releaseIdempotencyKey'> {
    return this.parts.store;
  }

  /** Runs an operation of the operations table: the input is validated against its schema first. */
  call<T = unknown>(name: OperationName | string, input: unknown): Promise<T> {
    // Not an async function: a write's caller waits for its commit, and an async frame here would
    // stay suspended (a generator, a promise, closures) for as long, for the garbage collector to copy.
    try {
      if (this.closed) throw new RoomwireError('internal', 'the engine is closed');
      const operation = findOperation(name);
      // An absent input means "no arguments"; null or anything else must pass the schema (an object).
      const validated = operation.validate(input === undefined ? {} : input);
      return operation.handler(this.parts, validated as never) as Promise<T>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A provider webhook request for one channel: signature first, then parse, route and write. */
  async handleWebhook(channelId: string, request: InboundRequest): Promise<InboundResult> {
    if (this.closed) throw new RoomwireError('internal', 'the engine is closed');
    return handleInbound(this.parts, channelId, request);
  }

  async registerChannel(registration: ChannelRegistration): Promise<Channel> {
    checkStandingParticipant(registration.info ?? {});
    const channel: Channel = {
      id: registration.id,
      type: registration.type,
      provider: registration.provider.name,
      direction: registration.direction ?? 'bidirectional',
      info: registration.info ?? {},
    };
    await this.parts.store.commit({ channels: [channel] });
    this.parts.channels.register({
      channel,
      provider: registration.provider,
      profile: registration.profile ?? registration.type,
      profileOverride: combineOverrides(registration.provider.capabilities?.(registration.type), registration.profileOverride),
      maxConcurrency: registration.maxConcurrency ?? 16,
    });
    return channel;
  }

  async unregisterChannel(id: string): Promise<void> {
    await this.parts.channels.unregister(id)?.provider.close?.();
  }

  /** Listens to a `flow` channel: what its participants receive (the Node-RED `room in` participant mode). */
  listenToFlowChannel(channelId: string, listener: FlowListener): () => void {
    const provider = this.parts.channels.require(channelId).provider;
    if (!(provider instanceof FlowProvider)) {
      throw new RoomwireError('invalid_input', `channel ${channelId} is not a flow channel`, 'channelId');
    }
    return provider.listen(listener);
  }

  /** An in-memory hook (a Node-RED `hook` node, or code); returns its removal. */
  registerHook(settings: Partial<HookSettings> & Pick<HookSettings, 'name' | 'trigger'>, handler: HookHandler): () => void {
    const id = newId('hk');
    this.parts.hooks.add(
      id,
      {
        priority: 100,
        roomId: null,
        filters: {},
        timeoutMs: 5000,
        failMode: 'open',
        ...settings,
      },
      handler,
    );
    return () => {
      this.parts.hooks.remove(id);
    };
  }

  /** A named handler that persisted room hooks (`target: {handler: name}`) run through. */
  registerHookHandler(name: string, handler: HookHandler): () => void {
    return this.parts.hooks.registerHandler(name, handler);
  }

  listStoredHooks(): Promise<StoredHook[]> {
    return this.parts.store.listHooks();
  }

  /** One turn of an AI participant (DESIGN.md section 11): context, model call, tools, reply. */
  async replyWithAi(options: AiReplyOptions): Promise<AiReplyResult> {
    if (this.closed) throw new RoomwireError('internal', 'the engine is closed');
    return runAiReply(this.parts, options);
  }

  subscribe(listener: Listener): () => void {
    return this.parts.notifier.subscribe(listener);
  }

  /**
   * Fires the timers that are due on the engine's clock. The engine's own scheduler does this by
   * itself; with a controllable clock (tests, simulations) call it after moving the clock.
   */
  runDueTimers(): Promise<number> {
    return this.parts.scheduler.runDue();
  }

  /** Resolves when no room write is queued and no delivery is in flight (tests, benchmarks, shutdown). */
  async idle(): Promise<void> {
    await this.parts.serial.idle();
    await this.parts.delivery.waitIdle();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Pages are told the server restarts before anything they use stops; they reconnect and resume.
    this.chatHub.close();
    this.parts.scheduler.close();
    this.stopFollowing?.();
    await this.parts.serial.idle();
    // Sends already under way finish and record their status; nothing new starts.
    this.parts.delivery.close();
    await this.parts.delivery.waitIdle();
    await this.parts.delivery.releaseLeases().catch((error) => this.parts.logger.warn(`releasing delivery leases: ${String(error)}`));
    // A provider that fails to close must not leave the store open (a redeploy reopens the file).
    for (const registered of this.parts.channels.list()) {
      try {
        await registered.provider.close?.();
      } catch (error) {
        this.parts.logger.warn(`closing channel ${registered.channel.id} failed: ${String(error)}`);
      }
    }
    await this.parts.store.close();
  }
}
