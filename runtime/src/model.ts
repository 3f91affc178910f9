// The domain model of DESIGN.md section 2. Plain JSON-serialisable records: these cross every
// surface (Node-RED msg, REST, MCP), so they never hold live objects.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type RoomState = 'active' | 'paused' | 'closed' | 'archived';

export interface RoomTimers {
  /** ISO 8601 duration without traffic before an active room pauses. */
  inactiveAfter?: string;
  /** ISO 8601 duration in `paused` before the room closes. */
  closedAfter?: string;
}

export interface Room {
  id: string;
  state: RoomState;
  timers: RoomTimers;
  metadata: JsonObject;
  tenantId: string | null;
  /** Index of the newest event, -1 while the room is empty. */
  latestIndex: number;
  /**
   * How many commits changed the room, its bindings or its metadata (0: never stored). Every
   * write of the room expects the version it read, so two engines never both build on one state.
   */
  version: number;
  /** Time of the newest message (traffic); the inactivity timer counts from here. */
  lastActivityAt?: string;
  createdAt: string;
  updatedAt: string;
}

export type Direction = 'inbound' | 'outbound' | 'bidirectional';

export interface Channel {
  id: string;
  type: string;
  /** Name of the provider that carries this channel (`webhook`, `flow`, ...). */
  provider: string;
  direction: Direction;
  info: JsonObject;
}

export type Access = 'read_write' | 'read_only' | 'write_only' | 'none';
export type Audience = 'external' | 'internal';
/** `all`, `internal`, `none`, or a list of channel ids and binding ids. */
export type Visibility = 'all' | 'internal' | 'none' | string[];
export type BindingState = 'invited' | 'joined' | 'left';

export type FallbackTrigger = 'failed' | 'undelivered' | 'no_receipt' | 'outside_window';

/** DESIGN.md section 8: where a delivery to this binding goes next when it fails or is never confirmed. */
export interface FallbackPolicy {
  /** Ordered channel ids of the same participant (identity). */
  channels: string[];
  /** ISO 8601 duration to wait for a `delivered` status before `no_receipt` applies. */
  after?: string;
  on: FallbackTrigger[];
}

export interface Binding {
  id: string;
  roomId: string;
  channelId: string;
  channelType: string;
  /** The participant's address on that channel (phone number, email, session id, persona). */
  address: string;
  identityId: string | null;
  audience: Audience;
  access: Access;
  muted: boolean;
  visibility: Visibility;
  state: BindingState;
  direction: Direction;
  lastReadIndex: number;
  /** Set when the binding leaves: the room's newest index then. Its history ends there (DESIGN.md section 4). */
  leftAtIndex?: number | null;
  /** Time of this participant's newest inbound message: opens a channel's session window. */
  lastInboundAt?: string | null;
  /** Content sent instead of free-form messages outside the session window (a template). */
  windowFallback?: Content | null;
  fallback?: FallbackPolicy | null;
  metadata: JsonObject;
  createdAt: string;
  updatedAt: string;
}

export type EventType =
  | 'message'
  | 'system'
  | 'typing'
  | 'read'
  | 'delivery'
  | 'binding'
  | 'room'
  | 'identity'
  | `custom:${string}`;

export type EventStatus = 'committed' | 'blocked';

export interface EventSource {
  channelId: string | null;
  bindingId: string | null;
  identityId: string | null;
  provider: string | null;
  providerMessageId: string | null;
  /** The provider payload exactly as received. */
  raw: Json;
  /** Set when a hook injected the event. */
  hook?: string;
}

/** Content is the discriminated union of DESIGN.md section 5; its schema lives in content/. */
export interface Content {
  type: string;
  [key: string]: Json | undefined;
}

export interface RoomEvent {
  id: string;
  roomId: string;
  index: number;
  type: EventType;
  content: Content;
  source: EventSource;
  /** `inbound` when a provider delivered it into the room, `outbound` for everything else. */
  direction: 'inbound' | 'outbound';
  visibility: Visibility;
  status: EventStatus;
  blockedBy: string | null;
  /** Why a hook blocked the event (its `block` reason, or why it failed closed); kept for the writer and audits. */
  blockReason?: string | null;
  correlationId: string | null;
  idempotencyKey: string | null;
  chainDepth: number;
  /** A plain-text answer matched to an option this participant was offered (`2` → its postback). */
  reply?: { eventId: string; number: number; title: string; postback: string };
  metadata: JsonObject;
  createdAt: string;
}

export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'undelivered';

export interface DeliveryError {
  code: string;
  reason: string;
}

export interface Delivery {
  id: string;
  eventId: string;
  roomId: string;
  eventIndex: number;
  bindingId: string;
  channelId: string;
  status: DeliveryStatus;
  attempts: number;
  providerMessageId: string | null;
  error: DeliveryError | null;
  /** The delivery this one replaces on the next channel of the participant's fallback policy. */
  fallbackOf: string | null;
  /** What was actually sent when it differs from the event's content (transcoded for the channel). */
  sent?: { parts: Content[]; degradations: JsonObject[]; sms?: JsonObject; options?: JsonObject[] } | null;
  createdAt: string;
  updatedAt: string;
}

export type TaskStatus = 'open' | 'in_progress' | 'done' | 'cancelled';

export interface TaskInput {
  title: string;
  description?: string;
  assignee?: string;
  status?: TaskStatus;
}

export interface ObservationInput {
  content: string;
  category?: string;
  confidence?: number;
}

export interface SideEffect {
  id: string;
  roomId: string;
  /** The event whose processing produced it (kept even when that event was blocked). */
  eventId: string | null;
  /** `model_call`: an AI binding's model call record (ai/usage.ts), kept beside side effects but never emitted as one. */
  kind: 'task' | 'observation' | 'model_call';
  data: JsonObject;
  /** Hook name, `ai`, or `api`. */
  producedBy: string;
  createdAt: string;
}

/** An address of a person on a channel type, normalised (docs/identity.md: E.164 phones, lower-case email). */
export interface IdentityAddress {
  channelType: string;
  address: string;
}

export interface Identity {
  id: string;
  displayName: string | null;
  externalId: string | null;
  /** The person's addresses in order of preference (first = preferred channel). */
  addresses: IdentityAddress[];
  /** Addresses kept from merged identities whose channel type the identity already had; they still resolve to it. */
  aliases: IdentityAddress[];
  metadata: JsonObject;
  /** Set when merged away: the identity it resolves to from then on. */
  mergedInto: string | null;
  createdAt: string;
  updatedAt: string;
}
