// Side effects ("the second output path"): tasks and observations of a room.
import type { EngineParts } from '../engine-parts';
import { notFound } from '../errors';
import type { JsonObject, SideEffect } from '../model';
import { runAsyncHooks } from '../hooks/run';
import { reportHookError, sideEffect } from '../pipeline/records';
import { operation, withApi, type Operation } from './define';
import * as out from './output-schemas';
import { requireRoom } from './shared';
import * as s from './schemas';

/** Storing a task or observation: checked against its room, announced, and given to the hooks. */
export type SideEffectParts = Pick<EngineParts, 'store' | 'cache' | 'hooks' | 'notifier' | 'clock' | 'logger'>;

const operations: Operation<any, unknown>[] = [
  operation<{ roomId: string; kind?: SideEffect['kind'] }, unknown>(
    'listSideEffects',
    'Tasks and observations produced in a room (kept even when the event that caused them was blocked).',
    false,
    { roomId: s.id, kind: { enum: ['task', 'observation'] } },
    ['roomId'],
    async (parts: Pick<EngineParts, 'store'>, input) => ({
      // Model-call records share the table (ai/usage.ts) but are accounting, not side effects.
      sideEffects: (await parts.store.listSideEffects(input.roomId, input.kind)).filter((effect) => effect.kind !== 'model_call'),
    }),
  ),
  operation<{ roomId: string; title: string; description?: string; assignee?: string; bindingId?: string; eventId?: string }, unknown>(
    'createTask',
    'Create a task in a room. With `bindingId`: on behalf of that participant of the room (an AI binding marks it produced by `ai`); with `eventId`: the event it is about.',
    true,
    {
      roomId: s.id,
      title: { type: 'string', minLength: 1, maxLength: 256 },
      description: { type: 'string', maxLength: 4096 },
      assignee: { type: 'string', maxLength: 256 },
      bindingId: s.id,
      eventId: s.id,
    },
    ['roomId', 'title'],
    async (parts: SideEffectParts, { roomId, bindingId, eventId, ...task }) => storeSideEffect(parts, { roomId, bindingId, eventId }, 'task', { status: 'open', ...task }),
  ),
  operation<{ taskId: string; status?: string; assignee?: string }, unknown>(
    'updateTask',
    'Change the status or assignee of a task.',
    true,
    { taskId: s.id, status: { enum: ['open', 'in_progress', 'done', 'cancelled'] }, assignee: { type: 'string', maxLength: 256 } },
    ['taskId'],
    async (parts: Pick<EngineParts, 'store' | 'notifier'>, { taskId, ...changes }) => updateSideEffect(parts, 'task', taskId, 'taskId', changes as JsonObject),
  ),
  operation<{ observationId: string; status: string }, unknown>(
    'updateObservation',
    'Change the status of an observation: `acknowledged` once someone has looked at it, `dismissed` when it does not apply. An observation without a status is `open`.',
    true,
    { observationId: s.id, status: { enum: ['open', 'acknowledged', 'dismissed'] } },
    ['observationId', 'status'],
    async (parts: Pick<EngineParts, 'store' | 'notifier'>, { observationId, ...changes }) => updateSideEffect(parts, 'observation', observationId, 'observationId', changes as JsonObject),
  ),
];

/** Applies `changes` to a stored task or observation and emits the updated record. */
async function updateSideEffect(parts: Pick<EngineParts, 'store' | 'notifier'>, kind: 'task' | 'observation', id: string, field: string, changes: JsonObject): Promise<SideEffect> {
  const existing = await parts.store.getSideEffect(id);
  if (!existing || existing.kind !== kind) throw notFound(kind, id, field);
  const updated: SideEffect = { ...existing, data: { ...existing.data, ...changes } };
  await parts.store.commit({ sideEffects: [updated] });
  parts.notifier.emit({ kind: 'side_effect', roomId: existing.roomId, sideEffect: updated });
  return updated;
}

/**
 * Stores a task or observation of a room and emits it (the `on_side_effect` hooks run too). The
 * producer is the participant named by `bindingId` (`ai` for an AI binding), else `api`.
 */
export async function storeSideEffect(
  parts: SideEffectParts,
  origin: { roomId: string; bindingId?: string; eventId?: string },
  kind: SideEffect['kind'],
  data: JsonObject,
): Promise<SideEffect> {
  const room = await requireRoom(parts, origin.roomId);
  let producedBy = 'api';
  if (origin.bindingId) {
    const binding = parts.cache.peek(room.id)?.binding(origin.bindingId) ?? (await parts.store.getBinding(origin.bindingId));
    if (!binding || binding.roomId !== room.id) throw notFound('binding', origin.bindingId, 'bindingId');
    producedBy = binding.channelType === 'ai' ? 'ai' : 'api';
  }
  if (origin.eventId) {
    const event = await parts.store.getEvent(origin.eventId);
    if (!event || event.roomId !== room.id) throw notFound('event', origin.eventId, 'eventId');
  }
  const effect = sideEffect(room.id, origin.eventId ?? null, kind, data, producedBy, new Date(parts.clock()).toISOString());
  await parts.store.commit({ sideEffects: [effect] });
  parts.notifier.emit({ kind: 'side_effect', roomId: room.id, sideEffect: effect });
  runAsyncHooks(parts.hooks, 'on_side_effect', room, { detail: effect as unknown as JsonObject }, reportHookError(parts));
  return effect;
}
export const sideEffectOperations = withApi(operations, {
  listSideEffects: {
    http: { method: 'GET', path: '/rooms/{roomId}/side-effects' },
    output: out.list('sideEffects', out.sideEffect),
    errors: [],
    examples: [{ summary: 'Tasks of r1', input: { roomId: 'r1', kind: 'task' } }],
  },
  createTask: {
    http: { method: 'POST', path: '/rooms/{roomId}/tasks' },
    output: out.sideEffect,
    errors: ['not_found'],
    examples: [{ summary: 'A follow-up task', input: { roomId: 'r1', title: 'Call back about the refund', assignee: 'dana' } }],
  },
  updateTask: {
    http: { method: 'PATCH', path: '/tasks/{taskId}' },
    output: out.sideEffect,
    errors: ['not_found'],
    examples: [{ summary: 'Mark done', input: { taskId: 'se1', status: 'done' } }],
  },
  updateObservation: {
    http: { method: 'PATCH', path: '/observations/{observationId}' },
    output: out.sideEffect,
    errors: ['not_found'],
    examples: [{ summary: 'Seen by an agent', input: { observationId: 'se2', status: 'acknowledged' } }],
  },
});
