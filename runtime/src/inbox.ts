// The agent inbox's view of rooms (DESIGN.md section 12): every room as one agent sees it through
// their own `agent` binding (audience internal) — its history, its last message and the agent's
// unread count — plus the room assignment shared by agents and the AI (`assignedTo`, `needsHuman`
// in the room metadata). Before an agent has a binding in a room they read it as a new internal
// participant would: everything staff may see, nothing read yet.
import type { EngineParts } from './engine-parts';
import { RoomwireError, notFound } from './errors';
import type { Binding, Identity, JsonObject, Room, RoomEvent, RoomState } from './model';
import { canSeeInHistory } from './permissions';
import { isDeliverable } from './pipeline/write-event';
import { commitRoomWrites, inRoom, lifecycleEvent } from './pipeline/room-writes';
import { attachBinding, type AttachParts } from './rooms';

export const AGENT_CHANNEL_TYPE = 'agent';

export type InboxFilter = 'all' | 'mine' | 'unassigned' | 'open' | 'closed';

/** An agent: their user name (the address of their bindings) on an `agent` channel. */
export interface AgentRef {
  channelId: string;
  agent: string;
}

export interface ParticipantSummary {
  bindingId: string;
  channelId: string;
  channelType: string;
  address: string;
  displayName: string | null;
  audience: Binding['audience'];
  muted: boolean;
  state: Binding['state'];
}

export interface InboxRoom {
  id: string;
  state: RoomState;
  createdAt: string;
  updatedAt: string;
  assignedTo: string | null;
  needsHuman: boolean;
  /** Channel types of the participants still in the room (the list's channel icons). */
  channelTypes: string[];
  participants: ParticipantSummary[];
  lastMessage: { index: number; text: string; internal: boolean; from: string | null; createdAt: string } | null;
  /** Messages after the agent's read horizon that the agent may see, not counting their own. */
  unread: number;
  /** The agent's own binding in this room, once they replied, were assigned or read it. */
  agentBindingId: string | null;
}

const PAGE = 200;
const SCANNED_ROOMS = 500;

function agentBinding(bindings: Binding[], ref: AgentRef): Binding | undefined {
  return bindings.find((b) => b.channelId === ref.channelId && b.address === ref.agent && b.state !== 'left');
}

/** Who the agent reads as: their binding, or a new internal participant that has read nothing. */
function readerFor(roomId: string, bindings: Binding[], ref: AgentRef): Binding {
  return agentBinding(bindings, ref) ?? prospectiveAgentBinding(roomId, ref);
}

/**
 * The binding an agent gets on joining a room (internal audience, read and write): what decides
 * what they see before they have joined, in a room's timeline and in the inbox's live feed.
 */
export function prospectiveAgentBinding(roomId: string, ref: AgentRef): Binding {
  return {
    id: '',
    roomId,
    channelId: ref.channelId,
    channelType: AGENT_CHANNEL_TYPE,
    address: ref.agent,
    identityId: null,
    audience: 'internal',
    access: 'read_write',
    muted: false,
    visibility: 'all',
    state: 'joined',
    direction: 'bidirectional',
    lastReadIndex: -1,
    metadata: {},
    createdAt: '',
    updatedAt: '',
  };
}

async function roomBindings(parts: Pick<EngineParts, 'store' | 'cache'>, roomId: string): Promise<Binding[]> {
  return parts.cache.peek(roomId)?.bindings ?? (await parts.store.listBindings(roomId));
}

async function currentRoom(parts: Pick<EngineParts, 'store' | 'cache'>, roomId: string): Promise<Room> {
  const room = parts.cache.peek(roomId)?.room ?? (await parts.store.getRoom(roomId));
  if (!room) throw notFound('room', roomId, 'roomId');
  return room;
}

/** Events the reader may see, in index order from `fromIndex` (or newest first), up to `limit`. */
async function visibleEvents(
  parts: Pick<EngineParts, 'store'>,
  reader: Binding,
  query: { fromIndex?: number; limit: number; descending?: boolean; keep?: (event: RoomEvent) => boolean },
): Promise<RoomEvent[]> {
  const out: RoomEvent[] = [];
  const descending = query.descending === true;
  let cursor = query.fromIndex ?? (descending ? Number.MAX_SAFE_INTEGER : 0);
  for (;;) {
    const page = await parts.store.listEvents(reader.roomId, { fromIndex: cursor, limit: PAGE, descending });
    for (const event of page) {
      if (canSeeInHistory(reader, event) && (query.keep?.(event) ?? true)) out.push(event);
      if (out.length === query.limit) return out;
    }
    if (page.length < PAGE) return out;
    cursor = page[page.length - 1]!.index + (descending ? -1 : 1);
  }
}

/** The text an inbox shows for an event: its text, caption or title, else its content type. */
export function previewText(event: RoomEvent): string {
  const c = event.content as JsonObject;
  for (const key of ['text', 'caption', 'label', 'title', 'name']) {
    if (typeof c[key] === 'string' && c[key]) return c[key] as string;
  }
  return `[${event.content.type}]`;
}

async function identityNames(parts: Pick<EngineParts, 'store'>, bindings: Binding[]): Promise<Map<string, string | null>> {
  const names = new Map<string, string | null>();
  for (const b of bindings) {
    if (!b.identityId || names.has(b.identityId)) continue;
    const identity: Identity | null = await parts.store.getIdentity(b.identityId);
    names.set(b.identityId, identity?.displayName ?? null);
  }
  return names;
}

async function summarise(parts: Pick<EngineParts, 'store' | 'cache'>, room: Room, ref: AgentRef): Promise<InboxRoom> {
  const bindings = await roomBindings(parts, room.id);
  const reader = readerFor(room.id, bindings, ref);
  const names = await identityNames(parts, bindings);
  const message = (event: RoomEvent) => isDeliverable(event.type);
  const [last] = await visibleEvents(parts, reader, { limit: 1, descending: true, keep: message });
  const own = (event: RoomEvent) => message(event) && event.source.bindingId !== reader.id;
  const unread = await visibleEvents(parts, reader, { fromIndex: reader.lastReadIndex + 1, limit: Number.MAX_SAFE_INTEGER, keep: own });
  const byId = new Map(bindings.map((b) => [b.id, b]));
  const present = bindings.filter((b) => b.state !== 'left');
  return {
    id: room.id,
    state: room.state,
    createdAt: room.createdAt,
    updatedAt: room.updatedAt,
    assignedTo: typeof room.metadata.assignedTo === 'string' ? room.metadata.assignedTo : null,
    needsHuman: room.metadata.needsHuman === true,
    channelTypes: [...new Set(present.map((b) => b.channelType))],
    participants: bindings.map((b) => ({
      bindingId: b.id,
      channelId: b.channelId,
      channelType: b.channelType,
      address: b.address,
      displayName: (b.identityId && names.get(b.identityId)) || null,
      audience: b.audience,
      muted: b.muted,
      state: b.state,
    })),
    lastMessage: last
      ? {
          index: last.index,
          text: previewText(last),
          internal: last.visibility !== 'all',
          from: last.source.bindingId ? (byId.get(last.source.bindingId)?.address ?? null) : null,
          createdAt: last.createdAt,
        }
      : null,
    unread: unread.length,
    agentBindingId: reader.id || null,
  };
}

const FILTER_STATES: Record<InboxFilter, RoomState[]> = {
  all: ['active', 'paused', 'closed'],
  mine: ['active', 'paused', 'closed'],
  unassigned: ['active', 'paused'],
  open: ['active', 'paused'],
  closed: ['closed'],
};

function matchesSearch(room: InboxRoom, search: string): boolean {
  const needle = search.trim().toLowerCase();
  if (!needle) return true;
  return (
    room.id.toLowerCase().includes(needle) ||
    room.participants.some((p) => p.address.toLowerCase().includes(needle) || (p.displayName ?? '').toLowerCase().includes(needle))
  );
}

/** The rooms of the inbox, most recently updated first, as the agent sees them. */
export async function listInboxRooms(parts: Pick<EngineParts, 'store' | 'cache'>, ref: AgentRef & { filter?: InboxFilter; search?: string; limit?: number }): Promise<InboxRoom[]> {
  const filter = ref.filter ?? 'open';
  const limit = ref.limit ?? 50;
  const rooms = await parts.store.listRooms({ states: FILTER_STATES[filter], limit: SCANNED_ROOMS });
  const out: InboxRoom[] = [];
  for (const stored of rooms) {
    const room = parts.cache.peek(stored.id)?.room ?? stored;
    if (filter === 'mine' && room.metadata.assignedTo !== ref.agent) continue;
    if (filter === 'unassigned' && typeof room.metadata.assignedTo === 'string') continue;
    const summary = await summarise(parts, room, ref);
    if (!matchesSearch(summary, ref.search ?? '')) continue;
    out.push(summary);
    if (out.length === limit) break;
  }
  return out;
}

/** One room for the inbox: its summary and the timeline as the agent's binding sees it (newest `limit`, or from `fromIndex`). */
export async function readInboxRoom(
  parts: Pick<EngineParts, 'store' | 'cache'>,
  ref: AgentRef & { roomId: string; fromIndex?: number; limit?: number },
): Promise<{ room: InboxRoom; events: RoomEvent[] }> {
  const room = await currentRoom(parts, ref.roomId);
  const summary = await summarise(parts, room, ref);
  const reader = readerFor(room.id, await roomBindings(parts, room.id), ref);
  const limit = ref.limit ?? 200;
  const events =
    ref.fromIndex === undefined
      ? (await visibleEvents(parts, reader, { limit, descending: true })).reverse()
      : await visibleEvents(parts, reader, { fromIndex: ref.fromIndex, limit });
  // The provider's raw payload stays with audits; the inbox shows the conversation.
  return { room: summary, events: events.map((event) => ({ ...event, source: { ...event.source, raw: null } })) };
}

/** The agent's binding in the room, attached (internal, read-write) on first use. */
export async function joinAsAgent(parts: AttachParts, ref: AgentRef & { roomId: string }): Promise<Binding> {
  const channel = parts.channels.require(ref.channelId).channel;
  if (channel.type !== AGENT_CHANNEL_TYPE) {
    throw new RoomwireError('invalid_input', `channel ${ref.channelId} is of type ${channel.type}, not ${AGENT_CHANNEL_TYPE}`, 'channelId');
  }
  const existing = agentBinding(await roomBindings(parts, ref.roomId), ref);
  if (existing) return existing;
  const { binding } = await attachBinding(parts, { roomId: ref.roomId, channelId: ref.channelId, address: ref.agent, displayName: ref.agent, audience: 'internal' });
  return binding;
}

/**
 * Assigns the room to `assignee` (clearing `needsHuman`: a human has it now) or, with null, leaves
 * it unassigned. Recorded as an internal `room` event, so the timeline shows who took it.
 */
export async function setAssignment(parts: Pick<EngineParts, 'store' | 'cache' | 'serial' | 'notifier' | 'scheduler' | 'clock' | 'leases'>, roomId: string, assignee: string | null): Promise<Room> {
  return inRoom(parts, roomId, async () => {
    const loaded = await parts.cache.load(roomId);
    if (!loaded) throw notFound('room', roomId, 'roomId');
    if (loaded.room.state === 'closed' || loaded.room.state === 'archived') {
      throw new RoomwireError('room_closed', `room ${roomId} is ${loaded.room.state}`, 'roomId');
    }
    const { assignedTo: previous, needsHuman, ...rest } = loaded.room.metadata;
    if ((previous ?? null) === assignee && (assignee === null || needsHuman === undefined)) return loaded.room;
    const metadata: JsonObject = assignee ? { ...rest, assignedTo: assignee } : { ...rest, ...(needsHuman === undefined ? {} : { needsHuman }) };
    const now = new Date(parts.clock()).toISOString();
    loaded.room = { ...loaded.room, metadata, updatedAt: now };
    const text = assignee ? `room assigned to ${assignee}` : 'room unassigned';
    const event = lifecycleEvent(loaded, 'room', assignee ? 'room.assigned' : 'room.unassigned', text, { assignedTo: assignee }, now);
    await commitRoomWrites(parts, loaded, { events: [event] });
    parts.notifier.emit({ kind: 'event', roomId, event });
    return loaded.room;
  });
}
