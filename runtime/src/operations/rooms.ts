// Room operations: create, read, list, metadata, and the explicit state changes of DESIGN.md section 9.
import { notFound, type ErrorCode } from '../errors';
import { checkMetadataSize } from '../validation';
import { parseRoomCursor, roomCursor } from '../store/room-list';
import { createRoom, setRoomState, updateRoomMetadata, type CreateRoomInput, type RoomWriteParts, type AttachParts } from '../rooms';
import type { JsonObject, RoomState } from '../model';
import { operation, withApi, type Operation } from './define';
import * as out from './output-schemas';
import { checkMetadata } from './shared';
import * as s from './schemas';
import type { EngineParts } from '../engine-parts';

function roomStateOperation(name: string, state: RoomState, description: string) {
  return operation<{ roomId: string }, unknown>(name, description, true, { roomId: s.id }, ['roomId'], (parts: RoomWriteParts, input) =>
    setRoomState(parts, input.roomId, state, 'api'),
  );
}

const operations: Operation<any, unknown>[] = [
  operation<CreateRoomInput, unknown>(
    'createRoom',
    'Create a room, optionally with an id and initial bindings. With an existing id it returns that room and attaches only the bindings it lacks.',
    true,
    {
      id: s.id,
      tenantId: s.id,
      metadata: s.metadata,
      timers: { type: 'object', properties: { inactiveAfter: s.isoDuration, closedAfter: s.isoDuration }, additionalProperties: false },
      bindings: { type: 'array', items: s.bindingSpec, maxItems: 100 },
    },
    [],
    (parts: AttachParts, input) => createRoom(parts, input),
    (input) => {
      checkMetadata(input);
      input.bindings?.forEach((b, i) => checkMetadataSize(b.metadata, `bindings[${i}].metadata`));
    },
  ),
  // Read from the store, as the room list is: the in-process cache runs ahead of it while a write
  // waits for its group commit (its index already assigned), so reading the cache showed a room
  // the list, the timeline and every other engine did not show yet, or never would if the commit failed.
  operation<{ roomId: string }, unknown>('getRoom', 'A room and its bindings.', false, { roomId: s.id }, ['roomId'], async (parts: Pick<EngineParts, 'store'>, input) => {
    const [room, bindings] = await Promise.all([parts.store.getRoom(input.roomId), parts.store.listBindings(input.roomId)]);
    if (!room) throw notFound('room', input.roomId, 'roomId');
    return { room, bindings };
  }),
  operation<{ states?: RoomState[]; tenantId?: string; limit?: number; cursor?: string }, unknown>(
    'listRooms',
    'Rooms, most recently updated first, filtered by state and tenant. Archived rooms are left out unless asked for by state. A full page carries `nextCursor`: pass it as `cursor` (with the same filters) for the next, older page. A room updated while you page moves to the front: it is not repeated.',
    false,
    {
      states: { type: 'array', items: s.roomState, maxItems: 4 },
      tenantId: s.id,
      limit: s.limit,
      cursor: { type: 'string', minLength: 1, maxLength: 1024 },
    },
    [],
    async (parts: Pick<EngineParts, 'store'>, input) => {
      const limit = input.limit ?? 100;
      const after = input.cursor === undefined ? undefined : parseRoomCursor(input.cursor);
      const rooms = await parts.store.listRooms({ states: input.states ?? ['active', 'paused', 'closed'], tenantId: input.tenantId, limit, after });
      // The cursor of the next (older) page; absent on the last page.
      return { rooms, ...(rooms.length === limit ? { nextCursor: roomCursor(rooms[rooms.length - 1]!) } : {}) };
    },
  ),
  operation<{ roomId: string; metadata: JsonObject; replace?: boolean }, unknown>(
    'updateRoomMetadata',
    'Merge keys into the room metadata (or replace it with `replace: true`).',
    true,
    { roomId: s.id, metadata: s.metadata, replace: { type: 'boolean' } },
    ['roomId', 'metadata'],
    (parts: Pick<EngineParts, 'store' | 'cache' | 'serial' | 'scheduler' | 'clock' | 'leases'>, input) => updateRoomMetadata(parts, input.roomId, input.metadata, input.replace === true),
    checkMetadata,
  ),
  roomStateOperation('pauseRoom', 'paused', 'Pause a room (inbound traffic resumes it).'),
  roomStateOperation('resumeRoom', 'active', 'Resume a paused room.'),
  roomStateOperation('closeRoom', 'closed', 'Close a room: final for writes; a new inbound message opens a new room.'),
  roomStateOperation('archiveRoom', 'archived', 'Archive a room: hidden from default listings.'),
  operation<Record<string, never>, unknown>('listChannels', 'Channels known to the engine and whether they are registered now.', false, {}, [], async (parts: Pick<EngineParts, 'store' | 'channels'>) => ({
    channels: (await parts.store.listChannels()).map((channel) => ({ ...channel, registered: parts.channels.get(channel.id) !== undefined })),
  })),
];

const roomResult = out.room;
const stateChange = (verb: string, path: string, destructive = false) => ({
  http: { method: 'POST' as const, path: `/rooms/{roomId}/${path}` },
  output: roomResult,
  errors: ['not_found', 'conflict'] as ErrorCode[],
  examples: [{ summary: `${verb} room r1`, input: { roomId: 'r1' } }],
  destructive,
});

export const roomOperations = withApi(operations, {
  createRoom: {
    http: { method: 'POST', path: '/rooms' },
    output: { type: 'object', properties: { room: out.room, bindings: { type: 'array', items: out.binding }, created: { type: 'boolean' } }, required: ['room', 'bindings', 'created'] },
    errors: ['not_found', 'conflict'],
    examples: [{ summary: 'A room with one webhook participant', input: { id: 'support-42', metadata: { topic: 'billing' }, bindings: [{ channelId: 'web', address: 'alice' }] } }],
  },
  getRoom: {
    http: { method: 'GET', path: '/rooms/{roomId}' },
    output: { type: 'object', properties: { room: out.room, bindings: { type: 'array', items: out.binding } }, required: ['room', 'bindings'] },
    errors: ['not_found'],
    examples: [{ summary: 'Room r1', input: { roomId: 'r1' } }],
  },
  listRooms: {
    http: { method: 'GET', path: '/rooms' },
    output: out.list('rooms', out.room, { nextCursor: { type: 'string' } }),
    errors: [],
    examples: [{ summary: 'The 20 newest active rooms', input: { states: ['active'], limit: 20 } }],
  },
  updateRoomMetadata: {
    http: { method: 'PATCH', path: '/rooms/{roomId}/metadata' },
    output: out.room,
    errors: ['not_found', 'room_closed'],
    examples: [{ summary: 'Tag a room', input: { roomId: 'r1', metadata: { priority: 'high' } } }],
  },
  pauseRoom: stateChange('Pause', 'pause'),
  resumeRoom: stateChange('Resume', 'resume'),
  closeRoom: stateChange('Close', 'close', true),
  archiveRoom: stateChange('Archive', 'archive'),
  listChannels: {
    http: { method: 'GET', path: '/channels' },
    output: out.list('channels', out.channel),
    errors: [],
    examples: [{ summary: 'Every channel', input: {} }],
  },
});
