// Inbox operations: what a human agent does in a room, always through their own `agent` binding
// (audience internal), so permissions, read horizon and unread counts are per agent. The agent
// inbox page calls these; they are ordinary operations, so REST and MCP clients get them too.
import { joinAsAgent, listInboxRooms, readInboxRoom, setAssignment, type InboxFilter } from '../inbox';
import type { Content } from '../model';
import { writeEvent, type WriteParts } from '../pipeline/write-event';
import { setRoomState, type AttachParts, type RoomWriteParts } from '../rooms';
import { validateContent } from '../content-validation';
import { operation, withApi, type Operation } from './define';
import * as out from './output-schemas';
import * as s from './schemas';
import type { EngineParts } from '../engine-parts';

const agentRef = {
  channelId: { ...s.id, description: 'The `agent` channel the agent acts through.' },
  agent: { ...s.address, description: "The agent's user name (the address of their binding)." },
};

const operations: Operation<any, unknown>[] = [
  operation<{ channelId: string; agent: string; filter?: InboxFilter; search?: string; limit?: number }, unknown>(
    'listAgentRooms',
    "Rooms as one agent's inbox lists them, most recently updated first: state, last message the agent may see, the agent's unread count, channel types, participants, `assignedTo` and `needsHuman`. `filter`: open (default: active or paused), mine (assigned to this agent), unassigned (open and assigned to nobody), closed, all. `search` matches a room id, a participant's address or display name.",
    false,
    {
      ...agentRef,
      filter: { enum: ['all', 'mine', 'unassigned', 'open', 'closed'] },
      search: { type: 'string', maxLength: 256 },
      limit: s.limit,
    },
    ['channelId', 'agent'],
    async (parts: Pick<EngineParts, 'store' | 'cache'>, input) => ({ rooms: await listInboxRooms(parts, input) }),
  ),
  operation<{ channelId: string; agent: string; roomId: string; fromIndex?: number; limit?: number }, unknown>(
    'getAgentRoom',
    "One room as an agent sees it: its inbox summary and its timeline as the agent's binding may see it (internal notes included, blocked events never). Without `fromIndex`, the newest `limit` events (default 200) in index order.",
    false,
    { ...agentRef, roomId: s.id, fromIndex: s.index, limit: s.limit },
    ['channelId', 'agent', 'roomId'],
    (parts: Pick<EngineParts, 'store' | 'cache'>, input) => readInboxRoom(parts, input),
  ),
  operation<{ channelId: string; agent: string; roomId: string }, unknown>(
    'joinAsAgent',
    "The agent's own binding in a room (channel type `agent`, audience internal), attached on first use; the same binding afterwards.",
    true,
    { ...agentRef, roomId: s.id },
    ['channelId', 'agent', 'roomId'],
    (parts: AttachParts, input) => joinAsAgent(parts, input),
  ),
  operation<{ channelId: string; agent: string; roomId: string; assign: boolean }, unknown>(
    'assignRoom',
    "Assign a room to the agent (`assign: true`: sets room metadata `assignedTo` to the agent's user name, clears `needsHuman`, and joins the agent) or leave it unassigned (`assign: false`). Recorded as an internal event in the timeline.",
    true,
    { ...agentRef, roomId: s.id, assign: { type: 'boolean' } },
    ['channelId', 'agent', 'roomId', 'assign'],
    async (parts: AttachParts, input) => {
      if (!input.assign) return { room: await setAssignment(parts, input.roomId, null) };
      const binding = await joinAsAgent(parts, input);
      return { room: await setAssignment(parts, input.roomId, input.agent), binding };
    },
  ),
  operation<{ bindingId: string; roomId: string; content: Content; idempotencyKey?: string }, unknown>(
    'addInternalNote',
    'Write an internal note as a staff binding (audience internal): stamped visibility `internal`, so staff and AI see it and customers never do. Goes through hooks and permissions like every write.',
    true,
    { roomId: s.id, bindingId: s.id, content: s.content, idempotencyKey: { type: 'string', minLength: 1, maxLength: 256 } },
    ['roomId', 'bindingId', 'content'],
    async (parts: WriteParts, input) => {
      const result = await writeEvent(parts, { ...input, internalNote: true });
      return { event: result.event, duplicate: result.duplicate };
    },
    (input) => validateContent(input.content),
  ),
  operation<{ roomId: string }, unknown>(
    'reopenRoom',
    'Reopen a closed room (closed → active), an explicit decision such as an agent taking a conversation up again; its lifecycle timers start over. Inbound traffic never reopens a closed room.',
    true,
    { roomId: s.id },
    ['roomId'],
    (parts: RoomWriteParts, input) => setRoomState(parts, input.roomId, 'active', 'reopened', { reopen: true }),
  ),
];

const agentIn = { channelId: 'agents', agent: 'ana' };

export const inboxOperations = withApi(operations, {
  listAgentRooms: {
    http: { method: 'GET', path: '/agents/{agent}/rooms' },
    output: out.list('rooms', out.inboxRoom),
    errors: [],
    examples: [{ summary: "Ana's unassigned rooms", input: { ...agentIn, filter: 'unassigned', limit: 20 } }],
  },
  getAgentRoom: {
    http: { method: 'GET', path: '/agents/{agent}/rooms/{roomId}' },
    output: { type: 'object', properties: { room: out.inboxRoom, events: { type: 'array', items: out.event } }, required: ['room', 'events'] },
    errors: ['not_found'],
    examples: [{ summary: 'Room r1 as Ana sees it, newest 50 events', input: { ...agentIn, roomId: 'r1', limit: 50 } }],
  },
  joinAsAgent: {
    http: { method: 'POST', path: '/rooms/{roomId}/agents' },
    output: out.binding,
    errors: ['not_found', 'room_closed'],
    examples: [{ summary: 'Ana joins room r1', input: { ...agentIn, roomId: 'r1' } }],
  },
  assignRoom: {
    http: { method: 'PUT', path: '/rooms/{roomId}/assignment' },
    output: { type: 'object', properties: { room: out.room, binding: out.binding }, required: ['room'] },
    errors: ['not_found', 'room_closed'],
    examples: [
      { summary: 'Ana takes room r1', input: { ...agentIn, roomId: 'r1', assign: true } },
      { summary: 'Ana hands room r1 back', input: { ...agentIn, roomId: 'r1', assign: false } },
    ],
  },
  addInternalNote: {
    http: { method: 'POST', path: '/rooms/{roomId}/notes' },
    output: out.eventWrite,
    errors: ['not_found', 'forbidden', 'room_closed'],
    examples: [{ summary: 'A note for colleagues only', input: { roomId: 'r1', bindingId: 'b-ana', content: { type: 'text', text: 'Refund approved by finance' } } }],
  },
  reopenRoom: {
    http: { method: 'POST', path: '/rooms/{roomId}/reopen' },
    output: out.room,
    errors: ['not_found', 'conflict'],
    examples: [{ summary: 'Reopen closed room r1', input: { roomId: 'r1' } }],
  },
});
