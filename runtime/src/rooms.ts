// Room and binding operations. Every change runs in the room's serial section, writes a lifecycle
// record to the timeline and fires its hook (`on_room_state`, `on_binding`) after the commit.
import type { EngineParts } from './engine-parts';
import { RoomwireError, notFound } from './errors';
import { newId } from './ids';
import { addressForChannel } from './identity/normalise';
import { currentIdentityId, resolveIdentity } from './identity/resolver';
import { checkMembershipChange, initialBindingState, standingParticipants } from './membership';
import type { Content, FallbackPolicy, Access, Audience, Binding, BindingState, JsonObject, Room, RoomEvent, RoomState, RoomTimers, Visibility } from './model';
import { runAsyncHooks } from './hooks/run';
import { LoadedRoom } from './pipeline/room-cache';
import { bindingEvent, commitRoomWrites, inRoom, roomStateEvent } from './pipeline/room-writes';
import { reportHookError } from './pipeline/records';
import type { WriteSet } from './store/store';
import { checkMetadataSize } from './validation';
import { withRoomTimers } from './timers/room-timers';

/** A room write other than a message: its serial section, the commit and what announces it. */
export type RoomWriteParts = Pick<EngineParts, 'store' | 'cache' | 'serial' | 'hooks' | 'notifier' | 'scheduler' | 'clock' | 'logger' | 'leases'>;
/** A room write that makes bindings: their channels, and the identities merged meanwhile. */
export type AttachParts = RoomWriteParts & Pick<EngineParts, 'channels' | 'mergedIdentities'>;

export interface AttachInput {
  roomId: string;
  channelId: string;
  address: string;
  displayName?: string;
  audience?: Audience;
  access?: Access;
  muted?: boolean;
  visibility?: Visibility;
  state?: BindingState;
  metadata?: JsonObject;
}

export interface CreateRoomInput {
  id?: string;
  tenantId?: string;
  metadata?: JsonObject;
  timers?: RoomTimers;
  bindings?: Omit<AttachInput, 'roomId'>[];
}

export interface BindingChanges {
  fallback?: FallbackPolicy | null;
  windowFallback?: Content | null;
  muted?: boolean;
  access?: Access;
  visibility?: Visibility;
  audience?: Audience;
  state?: BindingState;
  metadata?: JsonObject;
}

function nowIso(parts: Pick<EngineParts, 'clock'>): string {
  return new Date(parts.clock()).toISOString();
}

/** Commits a room write and, once durable, announces its lifecycle events and hooks. */
function commitAndAnnounce(
  parts: Pick<EngineParts, 'store' | 'cache' | 'hooks' | 'notifier' | 'scheduler' | 'logger' | 'leases'>,
  loaded: LoadedRoom,
  writes: WriteSet,
  hooks: { trigger: 'on_binding' | 'on_room_state'; detail: JsonObject; event: RoomEvent }[],
): Promise<void> {
  const room = loaded.room;
  return commitRoomWrites(parts, loaded, writes).then(() => {
    for (const event of writes.events ?? []) parts.notifier.emit({ kind: 'event', roomId: room.id, event });
    for (const hook of hooks) runAsyncHooks(parts.hooks, hook.trigger, room, { event: hook.event, detail: hook.detail }, reportHookError(parts));
  });
}

/** A room state change made by a timer: the same announcements as one made through the API. */
export function announceTimerStateChange(parts: Pick<EngineParts, 'hooks' | 'notifier' | 'logger'>, loaded: LoadedRoom, writes: WriteSet, previous: RoomState): void {
  for (const event of writes.events ?? []) parts.notifier.emit({ kind: 'event', roomId: loaded.room.id, event });
  const state = loaded.room.state;
  runAsyncHooks(
    parts.hooks,
    'on_room_state',
    loaded.room,
    { event: writes.events?.[0], detail: { change: state === 'active' ? 'resumed' : state, state, previous, reason: 'timer' } },
    reportHookError(parts),
  );
}

export async function createRoom(
  parts: AttachParts,
  input: CreateRoomInput,
): Promise<{ room: Room; bindings: Binding[]; created: boolean }> {
  const id = input.id ?? newId('rm');
  if (input.id !== undefined && (input.bindings ?? []).length > 0) await refuseIfNotWritable(parts, id, false);
  // Resolve identities before entering the room section: identity creation has its own serial key.
  // Every channel is checked first: an unknown one refuses the call before any identity is created.
  const channelTypes = (input.bindings ?? []).map((b, i) => channelTypeOf(parts, b.channelId, `bindings[${i}].channelId`));
  // Channels with a standing participant (membership.ts) join a room the moment it is created, in
  // its first commit, so they read its first message as any participant would.
  const standing = standingParticipants(parts.channels, input.bindings ?? []).map((b) => ({ ...b, address: addressForChannel(channelTypeOf(parts, b.channelId), b.channelId, b.address) }));
  const standingIdentities = await Promise.all(standing.map((b) => resolveIdentity(parts, channelTypeOf(parts, b.channelId), b.address, b.displayName)));
  // Addresses in their one spelling (docs/identity.md): `+1 (555) 010-0001` and `+15550100001` are one participant.
  input = { ...input, bindings: input.bindings?.map((b, i) => ({ ...b, address: addressForChannel(channelTypes[i]!, b.channelId, b.address, `bindings[${i}].address`) })) };
  const identities = await Promise.all(
    (input.bindings ?? []).map((b, i) => resolveIdentity(parts, channelTypes[i]!, b.address, b.displayName)),
  );
  return inRoom(parts, id, async () => {
    const existing = await parts.cache.load(id);
    const now = nowIso(parts);
    let loaded: LoadedRoom;
    const writes: WriteSet = { events: [], bindings: [] };
    const hooks: Parameters<typeof commitAndAnnounce>[3] = [];
    if (existing) {
      // DESIGN.md section 3 step 2: a closed or archived room is never written to.
      if (isClosed(existing.room) && (input.bindings ?? []).length > 0) {
        throw new RoomwireError('room_closed', `room ${id} is ${existing.room.state}`, 'roomId');
      }
      loaded = existing;
    } else {
      const room: Room = {
        id,
        state: 'active',
        timers: input.timers ?? {},
        metadata: input.metadata ?? {},
        tenantId: input.tenantId ?? null,
        latestIndex: -1,
        version: 0,
        createdAt: now,
        updatedAt: now,
      };
      loaded = parts.cache.create(room, []);
      const created = roomStateEvent(loaded, 'active', 'api', now);
      created.content = { type: 'system', text: 'room created', code: 'room.created' };
      created.metadata = { state: 'active', reason: 'api', change: 'created' };
      writes.events!.push(created);
      hooks.push({ trigger: 'on_room_state', detail: { change: 'created', state: 'active', reason: 'api' }, event: created });
    }
    const joining = [...(input.bindings ?? []).map((spec, i) => ({ spec, identity: identities[i]! })), ...(existing ? [] : standing.map((spec, i) => ({ spec, identity: standingIdentities[i]! })))];
    joining.forEach(({ spec, identity }) => {
      const already = loaded.bindings.find((b) => b.channelId === spec.channelId && b.address === spec.address && b.state !== 'left');
      if (already) return;
      const binding = newBinding(parts, { ...spec, roomId: id }, identity, now);
      loaded.replaceBinding(binding);
      writes.bindings!.push(binding);
      const event = bindingEvent(loaded, binding, 'attached', now);
      writes.events!.push(event);
      hooks.push({ trigger: 'on_binding', detail: { change: 'attached', binding } as unknown as JsonObject, event });
    });
    if (writes.events!.length === 0) return { room: { ...loaded.room }, bindings: [...loaded.bindings], created: false };
    loaded.room = { ...loaded.room, updatedAt: now };
    if (!existing) withRoomTimers(writes, loaded.room, parts.clock());
    await commitAndAnnounce(parts, loaded, writes, hooks);
    return { room: { ...loaded.room }, bindings: [...loaded.bindings], created: !existing };
  });
}

function channelTypeOf(parts: Pick<EngineParts, 'channels'>, channelId: string, field = 'channelId'): string {
  return parts.channels.require(channelId, field).channel.type;
}

function newBinding(parts: Pick<EngineParts, 'channels' | 'mergedIdentities'>, input: AttachInput, identityId: string, now: string): Binding {
  const channel = parts.channels.require(input.channelId, 'channelId').channel;
  // DESIGN.md section 2: defaults come from the channel; an `ai` channel binds as internal.
  const defaultAudience = (channel.info.audience as Audience | undefined) ?? (channel.type === 'ai' ? 'internal' : 'external');
  return {
    id: newId('bnd'),
    roomId: input.roomId,
    channelId: channel.id,
    channelType: channel.type,
    address: input.address,
    // A merge made after the identity was resolved points the binding at the survivor (identity/merge.ts).
    identityId: currentIdentityId(parts, identityId),
    audience: input.audience ?? defaultAudience,
    access: input.access ?? 'read_write',
    muted: input.muted ?? false,
    visibility: input.visibility ?? 'all',
    state: initialBindingState(channel, input.state),
    direction: channel.direction,
    lastReadIndex: -1,
    metadata: input.metadata ?? {},
    createdAt: now,
    updatedAt: now,
  };
}

function isClosed(room: Room): boolean {
  return room.state === 'closed' || room.state === 'archived';
}

/** Checked before identities are resolved, so a refused attach stores nothing (the serial section re-checks). */
async function refuseIfNotWritable(parts: Pick<EngineParts, 'store' | 'cache'>, roomId: string, mustExist: boolean): Promise<void> {
  const room = parts.cache.peek(roomId)?.room ?? (await parts.store.getRoom(roomId));
  if (!room && mustExist) throw notFound('room', roomId, 'roomId');
  if (room && isClosed(room)) throw new RoomwireError('room_closed', `room ${roomId} is ${room.state}`, 'roomId');
}

async function loadOpenRoom(parts: Pick<EngineParts, 'cache'>, roomId: string): Promise<LoadedRoom> {
  const loaded = await parts.cache.load(roomId);
  if (!loaded) throw notFound('room', roomId, 'roomId');
  if (loaded.room.state === 'closed' || loaded.room.state === 'archived') {
    throw new RoomwireError('room_closed', `room ${roomId} is ${loaded.room.state}`, 'roomId');
  }
  return loaded;
}

export async function attachBinding(parts: AttachParts, input: AttachInput): Promise<{ binding: Binding; created: boolean }> {
  await refuseIfNotWritable(parts, input.roomId, true);
  input = { ...input, address: addressForChannel(channelTypeOf(parts, input.channelId), input.channelId, input.address) };
  const identityId = await resolveIdentity(parts, channelTypeOf(parts, input.channelId), input.address, input.displayName);
  return inRoom(parts, input.roomId, async () => {
    const loaded = await loadOpenRoom(parts, input.roomId);
    const already = loaded.bindings.find((b) => b.channelId === input.channelId && b.address === input.address && b.state !== 'left');
    if (already) return { binding: already, created: false };
    const now = nowIso(parts);
    const binding = newBinding(parts, input, identityId, now);
    loaded.replaceBinding(binding);
    const event = bindingEvent(loaded, binding, 'attached', now);
    loaded.room = { ...loaded.room, updatedAt: now };
    await commitAndAnnounce(parts, loaded, { bindings: [binding], events: [event] }, [
      { trigger: 'on_binding', detail: { change: 'attached', binding } as unknown as JsonObject, event },
    ]);
    return { binding, created: true };
  });
}

/** The `on_binding` change names of DESIGN.md section 7, one per field that changed. */
function describeChanges(before: Binding, after: Binding): string[] {
  const changes: string[] = [];
  if (before.muted !== after.muted) changes.push(after.muted ? 'muted' : 'unmuted');
  if (before.access !== after.access) changes.push('access');
  if (JSON.stringify(before.visibility) !== JSON.stringify(after.visibility)) changes.push('visibility');
  if (before.audience !== after.audience) changes.push('audience');
  if (before.state !== after.state) changes.push(after.state === 'left' ? 'detached' : 'state');
  if (JSON.stringify(before.metadata) !== JSON.stringify(after.metadata)) changes.push('metadata');
  if (JSON.stringify(before.fallback ?? null) !== JSON.stringify(after.fallback ?? null)) changes.push('fallback');
  if (JSON.stringify(before.windowFallback ?? null) !== JSON.stringify(after.windowFallback ?? null)) changes.push('windowFallback');
  return changes;
}

/**
 * A message from an invited participant is their acceptance: the binding joins before it is
 * written, whichever way the message came (a provider's webhook, a chat page).
 */
export async function joinIfInvited(parts: RoomWriteParts, binding: Binding): Promise<string> {
  if (binding.state === 'invited') await updateBinding(parts, binding.id, { state: 'joined' });
  return binding.id;
}

export async function updateBinding(parts: RoomWriteParts, bindingId: string, changes: BindingChanges, options: { rejoin?: boolean } = {}): Promise<Binding> {
  // Attach resolves only after its commit, so every binding a caller can name is in the store.
  const stored = await parts.store.getBinding(bindingId);
  if (!stored) throw notFound('binding', bindingId, 'bindingId');
  return inRoom(parts, stored.roomId, async () => {
    const loaded = await loadOpenRoom(parts, stored.roomId);
    const before = loaded.binding(bindingId);
    if (!before) throw notFound('binding', bindingId, 'bindingId');
    checkMembershipChange(before, changes.state, options);
    const now = nowIso(parts);
    const after: Binding = {
      ...before,
      ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
      ...(changes.state === 'left' && before.state !== 'left' ? { leftAtIndex: loaded.room.latestIndex } : {}),
      updatedAt: now,
    };
    const changed = describeChanges(before, after);
    if (changed.length === 0) return before;
    loaded.replaceBinding(after);
    const events = changed.map((change) => bindingEvent(loaded, after, change, now, { before: pick(before, change), after: pick(after, change) }));
    loaded.room = { ...loaded.room, updatedAt: now };
    await commitAndAnnounce(
      parts,
      loaded,
      { bindings: [after], events },
      events.map((event, i) => ({
        trigger: 'on_binding' as const,
        detail: { change: changed[i]!, binding: after } as unknown as JsonObject,
        event,
      })),
    );
    return after;
  });
}

function pick(binding: Binding, change: string): JsonObject {
  const field = ({ muted: 'muted', unmuted: 'muted', detached: 'state', state: 'state' } as Record<string, keyof Binding>)[change] ?? (change as keyof Binding);
  return { [field]: binding[field] as JsonObject[string] };
}

/** Detaching is leaving: the binding stays on record (`left`) and is never silently re-attached. */
export function detachBinding(parts: RoomWriteParts, bindingId: string): Promise<Binding> {
  return updateBinding(parts, bindingId, { state: 'left' });
}

const ALLOWED_TRANSITIONS: Record<RoomState, RoomState[]> = {
  active: ['paused', 'closed', 'archived'],
  paused: ['active', 'closed', 'archived'],
  closed: ['archived'],
  archived: [],
};

/** `reopen`: an explicit closed → active (an agent reopening a conversation); traffic never reopens a room. */
export async function setRoomState(parts: RoomWriteParts, roomId: string, state: RoomState, reason: string, options: { reopen?: boolean } = {}): Promise<Room> {
  return inRoom(parts, roomId, async () => {
    const loaded = await parts.cache.load(roomId);
    if (!loaded) throw notFound('room', roomId, 'roomId');
    const from = loaded.room.state;
    if (from === state) return { ...loaded.room };
    const reopening = options.reopen === true && from === 'closed' && state === 'active';
    if (!reopening && !ALLOWED_TRANSITIONS[from].includes(state)) {
      throw new RoomwireError('conflict', `room ${roomId} cannot go from ${from} to ${state}`, 'state');
    }
    const now = nowIso(parts);
    const event = roomStateEvent(loaded, state, reason, now);
    const change = state === 'active' ? 'resumed' : state;
    const writes = withRoomTimers({ events: [event] }, loaded.room, parts.clock());
    await commitAndAnnounce(parts, loaded, writes, [
      { trigger: 'on_room_state', detail: { change, state, previous: from, reason }, event },
    ]);
    return { ...loaded.room };
  });
}

export async function updateRoomMetadata(parts: Pick<EngineParts, 'store' | 'cache' | 'serial' | 'scheduler' | 'clock' | 'leases'>, roomId: string, metadata: JsonObject, replace: boolean): Promise<Room> {
  return inRoom(parts, roomId, async () => {
    const loaded = await loadOpenRoom(parts, roomId);
    const merged = replace ? metadata : { ...loaded.room.metadata, ...metadata };
    // The 32 KB limit holds for what is stored, not only for what one call adds.
    checkMetadataSize(merged, 'metadata');
    loaded.room = { ...loaded.room, metadata: merged, updatedAt: nowIso(parts) };
    await commitRoomWrites(parts, loaded, {});
    return { ...loaded.room };
  });
}

/** `left` → `joined`: the one way back into a room for a binding that left it. */
export function rejoinBinding(parts: RoomWriteParts, bindingId: string): Promise<Binding> {
  return updateBinding(parts, bindingId, { state: 'joined' }, { rejoin: true });
}
