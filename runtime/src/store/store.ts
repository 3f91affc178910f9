// The persistence contract (DESIGN.md section 13). The engine only talks to this interface;
// SQLite is the embedded implementation, PostgreSQL the scale-out one.
import type { Binding, Channel, Delivery, DeliveryStatus, Identity, Room, RoomEvent, RoomState, SideEffect } from '../model';
import type { StoredHook } from '../hooks/types';
import type { Timer } from '../timers/types';

/**
 * Everything one commit writes. Rows are whole records: a row whose id exists replaces it.
 * `roomGeneration` ties the write to the in-memory room state it was computed from, so a write
 * computed before a failed commit of the same room is refused instead of leaving a gap.
 */
export interface WriteSet {
  rooms?: Room[];
  channels?: Channel[];
  identities?: Identity[];
  bindings?: Binding[];
  events?: RoomEvent[];
  sideEffects?: SideEffect[];
  deliveries?: Delivery[];
  hooks?: StoredHook[];
  deletedHookIds?: string[];
  timers?: Timer[];
  /** A timer is deleted in the same transaction as the effect of firing it: it fires once. */
  deletedTimerIds?: string[];
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
  /** Rooms updated strictly before this ISO time (cursor for newest-first pages). */
  updatedBefore?: string;
}

export interface Store {
  readonly path: string;
  open(): Promise<void>;
  close(): Promise<void>;

  /**
   * Group-committed; resolves only after the transaction holding these writes is durable.
   * `isCurrent` is asked just before the transaction: false refuses the write (its inputs went stale).
   */
  commit(writes: WriteSet, isCurrent?: () => boolean): Promise<void>;

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
  /** The newest delivery to a binding (what the participant saw last). */
  findLatestDeliveryForBinding(bindingId: string): Promise<Delivery | null>;
  listDeliveriesByStatus(statuses: DeliveryStatus[], limit: number): Promise<Delivery[]>;
  findDeliveryByProviderMessageId(channelId: string, providerMessageId: string): Promise<Delivery | null>;

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
}
