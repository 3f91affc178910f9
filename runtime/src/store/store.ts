// The persistence contract (DESIGN.md section 13). The engine only talks to this interface;
// SQLite is the embedded implementation, PostgreSQL the scale-out one.
import type { Binding, Channel, Delivery, DeliveryStatus, FallbackTrigger, Identity, Room, RoomEvent, RoomState, SideEffect } from '../model';
import type { StoredHook } from '../hooks/types';
import type { Timer } from '../timers/types';

/**
 * Everything one commit writes. Rows are whole records: a row whose id exists replaces it, except
 * a delivery's status, which the store only moves forward (DESIGN.md section 8).
 */
export interface WriteSet {
  /**
   * Compare-and-set per room: the room's stored `version` must still be this (null: the room is
   * not stored yet), else the whole write set is refused with a `conflict` the pipeline retries.
   * This, not the process, keeps indexes gapless and in one order when several engines share a
   * database, and keeps a change that adds no event (a read horizon, metadata) from being lost.
   */
  expect?: { roomId: string; version: number | null }[];
  /**
   * Timers this write set fires: each must still be stored with this due time (so a timer another
   * engine fired, or re-armed, meanwhile refuses the write set), and is deleted with it.
   */
  firedTimers?: { id: string; dueAt: number }[];
  /** The queued deliveries of this write set are leased to this engine until `until` (epoch ms). */
  lease?: Lease;
  rooms?: Room[];
  channels?: Channel[];
  identities?: Identity[];
  bindings?: Binding[];
  events?: RoomEvent[];
  sideEffects?: SideEffect[];
  deliveries?: Delivery[];
  /**
   * Status changes of deliveries already stored: only the columns a status change moves (and the
   * record) are written, and only where the status moves forward. Rows not stored are left alone.
   */
  deliveryStatuses?: Delivery[];
  hooks?: StoredHook[];
  deletedHookIds?: string[];
  timers?: Timer[];
  /** A timer is deleted in the same transaction as the effect of firing it: it fires once. */
  deletedTimerIds?: string[];
  /** Fallback steps this commit records: not stored, announced to the other engines with it. */
  fallbacks?: FallbackStep[];
  /** Read horizons this commit moves: stored with their bindings, announced to the other engines with it. */
  reads?: ReadHorizon[];
}

/** How far a binding has read (what each engine's `read` notification says). */
export interface ReadHorizon {
  roomId: string;
  bindingId: string;
  lastReadIndex: number;
}

/** One fallback step (DESIGN.md section 8), by delivery id: what each engine's `fallback` notification says. */
export interface FallbackStep {
  roomId: string;
  eventId: string;
  fromDeliveryId: string;
  reason: FallbackTrigger;
  /** 1 = the first fallback of the chain. */
  step: number;
  /** The delivery on the next channel; null when the policy had no channel left. */
  toDeliveryId: string | null;
}

export interface EventQuery {
  fromIndex?: number;
  limit?: number;
  /** Newest first when true (timeline pages read backwards). */
  descending?: boolean;
}

export interface RoomQuery {
  states?: RoomState[];
  tenantId?: string;
  limit?: number;
  /** Rooms after this one in newest-first order (by `updatedAt`, then id): the next page. */
  after?: { updatedAt: string; id: string };
}

export interface DeliveryQuery {
  statuses?: DeliveryStatus[];
  bindingId?: string;
  /** Deliveries after this one in (event index, id) order: the next page. */
  after?: { eventIndex: number; id: string };
  limit?: number;
}

/** An idempotency key's record: its request's fingerprint, and the answer once there is one. */
export interface IdempotencyRecord {
  fingerprint: string;
  answer: { status: number; body: unknown } | null;
}

export interface Store {
  readonly path: string;
  open(): Promise<void>;
  close(): Promise<void>;

  /**
   * Group-committed; resolves only after the transaction holding these writes is durable. A write
   * set whose `expect` or `firedTimers` no longer hold, or that a unique constraint refuses, fails
   * alone with a `conflict`; the others of its transaction commit.
   */
  commit(writes: WriteSet): Promise<void>;

  /**
   * Claims up to `limit` queued deliveries nobody holds a live lease on (never claimed, or the
   * engine that held them stopped renewing), room and index order. PostgreSQL: SKIP LOCKED.
   */
  claimDeliveries(lease: Lease, limit: number): Promise<Delivery[]>;
  /** Extends the lease of every delivery still queued under this owner. */
  renewDeliveryLeases(lease: Lease): Promise<void>;
  /** Claims timers due at `now` (engine clock) that no live lease holds, earliest first. */
  claimDueTimers(now: number, lease: Lease, limit: number): Promise<Timer[]>;

  /**
   * What other engines on the same database committed (PostgreSQL LISTEN/NOTIFY), in commit
   * order; absent on a store only one engine uses. Changes this engine committed are not reported.
   */
  readonly changes?: ChangeFeed;

  getRoom(id: string): Promise<Room | null>;
  listRooms(query: RoomQuery): Promise<Room[]>;

  getChannel(id: string): Promise<Channel | null>;
  listChannels(): Promise<Channel[]>;

  getBinding(id: string): Promise<Binding | null>;
  listBindings(roomId: string): Promise<Binding[]>;
  /** Bindings for an address on a channel type in rooms that are `active` or `paused`, newest room first. */
  findOpenBindingsByAddress(channelType: string, address: string): Promise<Binding[]>;

  getEvent(id: string): Promise<RoomEvent | null>;
  listEvents(roomId: string, query: EventQuery): Promise<RoomEvent[]>;
  findEventByIdempotencyKey(roomId: string, key: string): Promise<RoomEvent | null>;
  findEventByProviderMessageId(channelId: string, providerMessageId: string): Promise<RoomEvent | null>;

  listSideEffects(roomId: string, kind?: SideEffect['kind']): Promise<SideEffect[]>;
  getSideEffect(id: string): Promise<SideEffect | null>;

  getDelivery(id: string): Promise<Delivery | null>;
  listDeliveriesForEvent(eventId: string): Promise<Delivery[]>;
  /**
   * The newest delivery to a binding (what the participant saw last), among its room's last
   * `LATEST_DELIVERY_LOOKBACK_EVENTS` events.
   */
  findLatestDeliveryForBinding(bindingId: string): Promise<Delivery | null>;
  findDeliveryByProviderMessageId(channelId: string, providerMessageId: string): Promise<Delivery | null>;

  /** A room's deliveries in event order (then id), filtered by status and binding. */
  listRoomDeliveries(roomId: string, query: DeliveryQuery): Promise<Delivery[]>;
  /** How many of a room's deliveries (to one binding, if given) are in each status; absent: none. */
  countRoomDeliveries(roomId: string, query: { bindingId?: string }): Promise<Partial<Record<DeliveryStatus, number>>>;

  /**
   * Claims an idempotency key until `expiresAt` (epoch ms) for the request of this fingerprint;
   * null when this call claimed it (also over an expired record), else the live record it found.
   * Atomic across engines on one database: one request per key runs.
   */
  claimIdempotencyKey(key: string, fingerprint: string, now: number, expiresAt: number): Promise<IdempotencyRecord | null>;
  /** Stores the answer of the request that claimed the key, kept until `expiresAt`. */
  completeIdempotencyKey(key: string, answer: { status: number; body: unknown }, expiresAt: number): Promise<void>;
  /** Gives a claimed key up (its request failed): the request may be sent again under it. */
  releaseIdempotencyKey(key: string): Promise<void>;

  listHooks(): Promise<StoredHook[]>;

  /** Timers due at or before `now`, earliest first. */
  listDueTimers(now: number, limit: number): Promise<Timer[]>;
  /** The earliest due time of any timer, or null. */
  nextTimerDueAt(): Promise<number | null>;
  getTimer(id: string): Promise<Timer | null>;

  getIdentity(id: string): Promise<Identity | null>;
  /** The identity an address or alias resolves to (never a merged one). */
  findIdentityByAddress(channelType: string, address: string): Promise<Identity | null>;
  /** The identity with this external id: one not merged away first, else a merged one (follow `mergedInto`). */
  findIdentityByExternalId(externalId: string): Promise<Identity | null>;
  /**
   * Bindings of an identity and of every identity merged into it (at any depth), newest room first.
   * `openRooms`: only rooms that are `active` or `paused`.
   */
  listBindingsOfIdentity(identityId: string, query?: { openRooms?: boolean }): Promise<Binding[]>;
  /** Rooms where the identity (or one merged into it) has a binding, most recently updated first. */
  listRoomsOfIdentity(identityId: string, query?: { states?: RoomState[]; limit?: number }): Promise<Room[]>;

  /** Stores a signed-in agent's session (replacing one with the same id hash). */
  putAgentSession(session: AgentSessionRecord): Promise<void>;
  /** The session with this id hash in this scope, unless it expired before `now` (epoch ms). */
  getAgentSession(scope: string, idHash: string, now: number): Promise<AgentSessionRecord | null>;
  /** Ends one session (sign-out). */
  deleteAgentSession(scope: string, idHash: string): Promise<void>;
  /** Forgets every session that expired before `now`; returns how many. */
  deleteExpiredAgentSessions(now: number): Promise<number>;
}

/**
 * A signed-in agent of an agent inbox. The store never holds the session id itself, only its
 * SHA-256: a copy of the database opens no inbox.
 */
export interface AgentSessionRecord {
  /** The inbox it belongs to (several inboxes may share a database). */
  scope: string;
  idHash: string;
  user: string;
  /** The token the page sends back on every change (it opens nothing without the cookie). */
  csrf: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** A claim on rows for one engine: renewed while it lives, taken over by another once it lapses. */
export interface Lease {
  owner: string;
  /** Wall-clock epoch ms (leases are about processes dying, not about the engine's clock). */
  until: number;
}

/** Ids of what one transaction of another engine committed, in the order written. */
export interface Change {
  origin: string;
  /** Rooms written, with the version the transaction left them at. */
  rooms: { id: string; version: number }[];
  events: string[];
  sideEffects: string[];
  deliveries: string[];
  /**
   * The status each of `deliveries` was left at by this transaction: a receiver reading the
   * delivery later may find it moved on, and announces each change as it was committed. Absent
   * from notices of engines that predate it.
   */
  deliveryStatuses?: Record<string, DeliveryStatus>;
  identities: string[];
  hooks: string[];
  deletedHooks: string[];
  /** The earliest due time of timers it stored (null: none). */
  timerDueAt: number | null;
  fallbacks: FallbackStep[];
  /** Absent from notices of engines that predate read announcements. */
  reads?: ReadHorizon[];
}

/**
 * Changes of other engines may have been lost: the listener was away longer than the log keeps
 * them. Nothing this engine keeps from the database can be trusted to be current any more.
 */
export interface Resync {
  resync: true;
  /** How long the listener was away (ms). */
  awayMs: number;
}

export interface ChangeFeed {
  /**
   * Every engine on the database sees every change once; an engine never sees its own. When the
   * feed cannot tell, it hands a `Resync` first, in its place in the stream.
   */
  subscribe(listener: (notice: Change | Resync) => Promise<void> | void): () => void;
  /**
   * Tells the other engines of a signal that is never stored (someone typing). Best effort: a
   * signal sent while an engine's listener is away is not caught up.
   */
  signal(signal: TypingSignal): Promise<void>;
  /** Signals of the other engines, never this one's own. */
  subscribeSignals(listener: (signal: TypingSignal) => void): () => void;
}

/** A participant started or stopped typing (what each engine's `typing` notification says). */
export interface TypingSignal {
  roomId: string;
  bindingId: string;
  typing: boolean;
}
