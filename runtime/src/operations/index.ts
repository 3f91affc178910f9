// The operations table (DESIGN.md section 1): name, JSON Schema of the input, handler. It is the
// single source for every external surface: Node-RED nodes call these operations, and the REST API
// and the MCP server are generated from this table.
import type { EngineParts } from '../engine-parts';
import { RoomwireError, notFound } from '../errors';
import { newId } from '../ids';
import type { Content, Delivery, DeliveryStatus, EventType, JsonObject, RoomState, SideEffect, Visibility } from '../model';
import type { HookFilters, HookTrigger, StoredHook } from '../hooks/types';
import { markRead, readTimeline, unreadCount } from '../reads';
import { attachBinding, createRoom, detachBinding, setRoomState, updateBinding, updateRoomMetadata, type AttachInput, type BindingChanges, type CreateRoomInput } from '../rooms';
import { sideEffect, writeEvent } from '../pipeline/write-event';
import { validateContent } from '../content-validation';
import { checkMetadataSize, compileValidator, type Schema } from '../validation';
import * as s from './schemas';

export interface Operation<I = unknown, O = unknown> {
  name: string;
  description: string;
  /** False for pure reads (REST maps them to GET-safe semantics; MCP marks them read-only). */
  mutates: boolean;
  input: Schema;
  validate: (input: unknown) => I;
  handler: (parts: EngineParts, input: I) => Promise<O>;
}

function operation<I, O>(
  name: string,
  description: string,
  mutates: boolean,
  properties: Record<string, unknown>,
  required: string[],
  handler: (parts: EngineParts, input: I) => Promise<O>,
  check?: (input: I) => void,
): Operation<I, O> {
  const input: Schema = { type: 'object', properties, required, additionalProperties: false };
  const validateShape = compileValidator<I>(input);
  return {
    name,
    description,
    mutates,
    input,
    validate: (raw: unknown) => {
      const value = validateShape(raw);
      check?.(value);
      return value;
    },
    handler,
  };
}

function checkMetadata(input: { metadata?: unknown }): void {
  checkMetadataSize(input.metadata, 'metadata');
}

async function requireRoom(parts: EngineParts, roomId: string) {
  const room = parts.cache.peek(roomId)?.room ?? (await parts.store.getRoom(roomId));
  if (!room) throw notFound('room', roomId, 'roomId');
  return room;
}

/** Twilio-style aggregate: how many deliveries, and whether all / some / none reached each status. */
export function aggregateDeliveries(deliveries: Delivery[]): JsonObject {
  const statuses: DeliveryStatus[] = ['queued', 'sent', 'delivered', 'read', 'failed', 'undelivered'];
  const reached = (delivery: Delivery, status: DeliveryStatus): boolean => {
    if (status === 'sent') return ['sent', 'delivered', 'read'].includes(delivery.status);
    if (status === 'delivered') return ['delivered', 'read'].includes(delivery.status);
    return delivery.status === status;
  };
  const summary: JsonObject = { total: deliveries.length };
  for (const status of statuses) {
    const count = deliveries.filter((d) => reached(d, status)).length;
    summary[status] = deliveries.length === 0 || count === 0 ? 'none' : count === deliveries.length ? 'all' : 'some';
  }
  return summary;
}

function roomStateOperation(name: string, state: RoomState, description: string) {
  return operation<{ roomId: string }, unknown>(name, description, true, { roomId: s.id }, ['roomId'], (parts, input) =>
    setRoomState(parts, input.roomId, state, 'api'),
  );
}

export const operations = [
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
    (parts, input) => createRoom(parts, input),
    (input) => {
      checkMetadata(input);
      input.bindings?.forEach((b, i) => checkMetadataSize(b.metadata, `bindings[${i}].metadata`));
    },
  ),
  operation<{ roomId: string }, unknown>('getRoom', 'A room and its bindings.', false, { roomId: s.id }, ['roomId'], async (parts, input) => {
    const room = await requireRoom(parts, input.roomId);
    const bindings = parts.cache.peek(input.roomId)?.bindings ?? (await parts.store.listBindings(input.roomId));
    return { room, bindings };
  }),
  operation<{ states?: RoomState[]; tenantId?: string; limit?: number; updatedBefore?: string }, unknown>(
    'listRooms',
    'Rooms, most recently updated first. Archived rooms are left out unless asked for by state.',
    false,
    {
      states: { type: 'array', items: s.roomState, maxItems: 4 },
      tenantId: s.id,
      limit: s.limit,
      updatedBefore: { type: 'string', format: 'date-time' },
    },
    [],
    async (parts, input) => ({
      rooms: await parts.store.listRooms({ ...input, states: input.states ?? ['active', 'paused', 'closed'] }),
    }),
  ),
  operation<{ roomId: string; metadata: JsonObject; replace?: boolean }, unknown>(
    'updateRoomMetadata',
    'Merge keys into the room metadata (or replace it with `replace: true`).',
    true,
    { roomId: s.id, metadata: s.metadata, replace: { type: 'boolean' } },
    ['roomId', 'metadata'],
    (parts, input) => updateRoomMetadata(parts, input.roomId, input.metadata, input.replace === true),
    checkMetadata,
  ),
  roomStateOperation('pauseRoom', 'paused', 'Pause a room (inbound traffic resumes it).'),
  roomStateOperation('resumeRoom', 'active', 'Resume a paused room.'),
  roomStateOperation('closeRoom', 'closed', 'Close a room: final for writes; a new inbound message opens a new room.'),
  roomStateOperation('archiveRoom', 'archived', 'Archive a room: hidden from default listings.'),
  operation<AttachInput, unknown>(
    'attachBinding',
    'Attach a channel to a room for one participant address. Attaching the same channel and address again returns the existing binding.',
    true,
    { roomId: s.id, ...s.bindingSpec.properties },
    ['roomId', 'channelId', 'address'],
    (parts, input) => attachBinding(parts, input),
    checkMetadata,
  ),
  operation<{ bindingId: string } & BindingChanges, unknown>(
    'updateBinding',
    'Change a binding: mute / unmute, access, visibility, audience, metadata.',
    true,
    {
      bindingId: s.id,
      muted: { type: 'boolean' },
      access: s.access,
      visibility: s.visibility,
      audience: s.audience,
      metadata: s.metadata,
    },
    ['bindingId'],
    (parts, { bindingId, ...changes }) => updateBinding(parts, bindingId, changes),
    checkMetadata,
  ),
  operation<{ bindingId: string }, unknown>(
    'detachBinding',
    'Detach a binding: it leaves the room, receives nothing more and its writes are refused.',
    true,
    { bindingId: s.id },
    ['bindingId'],
    (parts, input) => detachBinding(parts, input.bindingId),
  ),
  operation<{ bindingId: string }, unknown>('getBinding', 'One binding.', false, { bindingId: s.id }, ['bindingId'], async (parts, input) => {
    const binding = await parts.store.getBinding(input.bindingId);
    if (!binding) throw notFound('binding', input.bindingId, 'bindingId');
    return parts.cache.peek(binding.roomId)?.binding(binding.id) ?? binding;
  }),
  operation<
    {
      roomId: string;
      bindingId?: string;
      type?: EventType;
      content: Content;
      correlationId?: string;
      idempotencyKey?: string;
      metadata?: JsonObject;
      visibility?: Visibility;
      chainDepth?: number;
    },
    unknown
  >(
    'sendEvent',
    'Write an event into a room, as a binding (its permissions apply) or as the system. Goes through hooks, permissions and delivery like every write.',
    true,
    {
      roomId: s.id,
      bindingId: s.id,
      type: s.eventType,
      content: s.content,
      correlationId: { type: 'string', maxLength: 128 },
      idempotencyKey: { type: 'string', minLength: 1, maxLength: 256 },
      metadata: s.metadata,
      visibility: s.visibility,
      chainDepth: { type: 'integer', minimum: 0, maximum: 1000 },
    },
    ['roomId', 'content'],
    async (parts, input) => {
      const result = await writeEvent(parts, input);
      return { event: result.event, duplicate: result.duplicate, injected: result.injected, sideEffects: result.sideEffects, deliveryIds: result.deliveryIds };
    },
    (input) => {
      checkMetadata(input);
      validateContent(input.content);
      if (input.bindingId && input.visibility) {
        throw new RoomwireError('invalid_input', 'a binding writes with its own visibility; set it on the binding', 'visibility');
      }
    },
  ),
  operation<{ roomId: string; bindingId?: string; audit?: boolean; fromIndex?: number; limit?: number; descending?: boolean }, unknown>(
    'getTimeline',
    'Events of a room in index order. With `bindingId`: only what that binding may see. Blocked events appear only with `audit: true`.',
    false,
    { roomId: s.id, bindingId: s.id, audit: { type: 'boolean' }, fromIndex: s.index, limit: s.limit, descending: { type: 'boolean' } },
    ['roomId'],
    async (parts, input) => ({ events: await readTimeline(parts, input) }),
    (input) => {
      if (input.audit && input.bindingId) throw new RoomwireError('invalid_input', 'an audit read is not a participant read', 'audit');
    },
  ),
  operation<{ bindingId: string; index: number }, unknown>(
    'markRead',
    "Advance a binding's read horizon to an event index (it never moves back).",
    true,
    { bindingId: s.id, index: s.index },
    ['bindingId', 'index'],
    (parts, input) => markRead(parts, input.bindingId, input.index),
  ),
  operation<{ bindingId: string }, unknown>(
    'getUnreadCount',
    'Events after the read horizon that the binding may see, not counting its own.',
    false,
    { bindingId: s.id },
    ['bindingId'],
    (parts, input) => unreadCount(parts, input.bindingId),
  ),
  operation<
    {
      roomId: string;
      name: string;
      trigger: HookTrigger;
      priority?: number;
      filters?: HookFilters;
      timeoutMs?: number;
      failMode?: 'open' | 'closed';
      target: { handler: string } | { url: string };
    },
    StoredHook
  >(
    'addRoomHook',
    'Add a hook to one room. It is stored and survives a restart; it runs a named handler or POSTs to a URL.',
    true,
    {
      roomId: s.id,
      name: { type: 'string', minLength: 1, maxLength: 128 },
      trigger: s.hookTrigger,
      priority: { type: 'integer', minimum: -1000000, maximum: 1000000 },
      filters: s.hookFilters,
      timeoutMs: { type: 'integer', minimum: 1, maximum: 120000 },
      failMode: { enum: ['open', 'closed'] },
      target: {
        oneOf: [
          { type: 'object', properties: { handler: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['handler'], additionalProperties: false },
          { type: 'object', properties: { url: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2048 } }, required: ['url'], additionalProperties: false },
        ],
      },
    },
    ['roomId', 'name', 'trigger', 'target'],
    async (parts, input) => {
      await requireRoom(parts, input.roomId);
      const hook: StoredHook = {
        id: newId('hk'),
        name: input.name,
        trigger: input.trigger,
        priority: input.priority ?? 100,
        roomId: input.roomId,
        filters: input.filters ?? {},
        timeoutMs: input.timeoutMs ?? 5000,
        failMode: input.failMode ?? 'open',
        target: input.target,
        createdAt: new Date(parts.clock()).toISOString(),
      };
      await parts.store.commit({ hooks: [hook] });
      parts.hooks.addStored(hook);
      return hook;
    },
  ),
  operation<{ hookId: string }, unknown>('removeRoomHook', 'Remove a stored room hook.', true, { hookId: s.id }, ['hookId'], async (parts, input) => {
    const hook = parts.hooks.get(input.hookId);
    if (!hook || !hook.persisted) throw notFound('room hook', input.hookId, 'hookId');
    await parts.store.commit({ deletedHookIds: [input.hookId] });
    parts.hooks.remove(input.hookId);
    return { removed: input.hookId };
  }),
  operation<{ roomId?: string }, unknown>('listHooks', 'Hooks that run, globally or for one room.', false, { roomId: s.id }, [], async (parts, input) => ({
    hooks: parts.hooks.list(input.roomId).map(({ handler: _handler, sequence: _sequence, ...hook }) => hook),
  })),
  operation<{ roomId: string; kind?: SideEffect['kind'] }, unknown>(
    'listSideEffects',
    'Tasks and observations produced in a room (kept even when the event that caused them was blocked).',
    false,
    { roomId: s.id, kind: { enum: ['task', 'observation'] } },
    ['roomId'],
    async (parts, input) => ({ sideEffects: await parts.store.listSideEffects(input.roomId, input.kind) }),
  ),
  operation<{ roomId: string; title: string; description?: string; assignee?: string }, unknown>(
    'createTask',
    'Create a task in a room.',
    true,
    {
      roomId: s.id,
      title: { type: 'string', minLength: 1, maxLength: 256 },
      description: { type: 'string', maxLength: 4096 },
      assignee: { type: 'string', maxLength: 256 },
    },
    ['roomId', 'title'],
    async (parts, { roomId, ...task }) => {
      await requireRoom(parts, roomId);
      const effect = sideEffect(roomId, null, 'task', { status: 'open', ...task }, 'api', new Date(parts.clock()).toISOString());
      await parts.store.commit({ sideEffects: [effect] });
      parts.notifier.emit({ kind: 'side_effect', roomId, sideEffect: effect });
      return effect;
    },
  ),
  operation<{ taskId: string; status?: string; assignee?: string }, unknown>(
    'updateTask',
    'Change the status or assignee of a task.',
    true,
    { taskId: s.id, status: { enum: ['open', 'in_progress', 'done', 'cancelled'] }, assignee: { type: 'string', maxLength: 256 } },
    ['taskId'],
    async (parts, { taskId, ...changes }) => {
      const task = await parts.store.getSideEffect(taskId);
      if (!task || task.kind !== 'task') throw notFound('task', taskId, 'taskId');
      const updated: SideEffect = { ...task, data: { ...task.data, ...(changes as JsonObject) } };
      await parts.store.commit({ sideEffects: [updated] });
      parts.notifier.emit({ kind: 'side_effect', roomId: task.roomId, sideEffect: updated });
      return updated;
    },
  ),
  operation<{ eventId: string }, unknown>(
    'getDeliveries',
    'Deliveries of one event, with the aggregate per status (`total`, and `all` / `some` / `none`).',
    false,
    { eventId: s.id },
    ['eventId'],
    async (parts, input) => {
      const deliveries = await parts.store.listDeliveriesForEvent(input.eventId);
      if (deliveries.length === 0 && !(await parts.store.getEvent(input.eventId))) throw notFound('event', input.eventId, 'eventId');
      return { deliveries, aggregate: aggregateDeliveries(deliveries) };
    },
  ),
  operation<Record<string, never>, unknown>('listChannels', 'Channels known to the engine and whether they are registered now.', false, {}, [], async (parts) => ({
    channels: (await parts.store.listChannels()).map((channel) => ({ ...channel, registered: parts.channels.get(channel.id) !== undefined })),
  })),
] as const;

export type OperationName = (typeof operations)[number]['name'];

const byName = new Map<string, Operation<unknown, unknown>>(operations.map((op) => [op.name, op as unknown as Operation<unknown, unknown>]));

export function findOperation(name: string): Operation<unknown, unknown> {
  const op = byName.get(name);
  if (!op) throw new RoomwireError('not_found', `unknown operation ${JSON.stringify(name)}`, 'operation');
  return op;
}

export function listOperations(): Operation<unknown, unknown>[] {
  return [...byName.values()];
}
