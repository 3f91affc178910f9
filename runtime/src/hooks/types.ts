// Hook contracts of DESIGN.md section 7.
import type { Binding, Content, JsonObject, ObservationInput, Room, RoomEvent, TaskInput, Visibility } from '../model';

export const HOOK_TRIGGERS = [
  'before_broadcast',
  'after_broadcast',
  'before_deliver',
  'after_deliver',
  'on_delivery_status',
  'on_room_state',
  'on_binding',
  'on_identity',
  'on_side_effect',
] as const;
export type HookTrigger = (typeof HOOK_TRIGGERS)[number];

/** Triggers whose decision the pipeline waits for; the others are notifications. */
export const SYNC_TRIGGERS: ReadonlySet<HookTrigger> = new Set(['before_broadcast', 'before_deliver']);

export interface HookFilters {
  channelTypes?: string[];
  channelIds?: string[];
  /** `inbound` = arrived from a provider; `outbound` = written by a flow, an API call, a hook or the AI. */
  directions?: ('inbound' | 'outbound')[];
  eventTypes?: string[];
}

export interface HookSettings {
  name: string;
  trigger: HookTrigger;
  /** Lower runs first. */
  priority: number;
  /** null = global; otherwise the hook only runs for this room. */
  roomId: string | null;
  filters: HookFilters;
  timeoutMs: number;
  /** `open`: allow on timeout or error; `closed`: block. */
  failMode: 'open' | 'closed';
}

/** An event a hook adds to the room after the one it is deciding on. */
export interface InjectedEvent {
  content: Content;
  /** Binding ids that receive it (stamped as its visibility); omitted = `visibility` or `all`. */
  to?: string[];
  visibility?: Visibility;
  type?: 'message' | 'system';
}

export interface HookDecision {
  action?: 'allow' | 'block' | 'modify';
  reason?: string;
  /** With `modify`: the replacement content and/or metadata. */
  content?: Content;
  metadata?: JsonObject;
  inject?: InjectedEvent[];
  tasks?: TaskInput[];
  observations?: ObservationInput[];
  metadataUpdates?: JsonObject;
  /** on_identity `unknown` (a pluggable resolver): the existing identity the address belongs to... */
  identityId?: string;
  /** ...or the identity to create for it (docs/identity.md). */
  identity?: IdentityProposal;
}

/**
 * What a resolver hook may propose for an unknown address: the identity is created with that
 * address (more addresses are linked afterwards with linkAddress, under their own serial keys).
 */
export interface IdentityProposal {
  displayName?: string;
  externalId?: string;
  metadata?: JsonObject;
}

export interface HookContext {
  trigger: HookTrigger;
  hook: string;
  /** null for identity-level triggers (on_identity), which concern a person rather than one room. */
  room: Room | null;
  /** For before_broadcast: the event as it will be committed (index not yet assigned: -1). */
  event?: RoomEvent;
  sourceBinding?: Binding | null;
  /** For before_deliver / after_deliver: the binding being delivered to. */
  targetBinding?: Binding;
  /** Why the event will be stored `blocked` regardless of hooks (`muted`, `read_only`), or null. */
  writeGate?: string | null;
  /** Extra data for notification triggers (binding change, room state change, side effect...). */
  detail?: JsonObject;
}

export type HookHandler = (context: HookContext) => Promise<HookDecision | void> | HookDecision | void;

/** A hook kept in the store: room hooks survive a restart. Its handler is looked up by name, or is an HTTP URL. */
export interface StoredHook extends HookSettings {
  id: string;
  target: { handler: string } | { url: string };
  createdAt: string;
}
