// Side effects ("the second output path"): tasks and observations of a room.
import { notFound } from '../errors';
import type { JsonObject, SideEffect } from '../model';
import { runAsyncHooks } from '../hooks/run';
import { reportHookError, sideEffect } from '../pipeline/records';
import { operation, type Operation } from './define';
import { requireRoom } from './shared';
import * as s from './schemas';

export const sideEffectOperations: Operation<any, unknown>[] = [
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
      const room = await requireRoom(parts, roomId);
      const effect = sideEffect(roomId, null, 'task', { status: 'open', ...task }, 'api', new Date(parts.clock()).toISOString());
      await parts.store.commit({ sideEffects: [effect] });
      parts.notifier.emit({ kind: 'side_effect', roomId, sideEffect: effect });
      runAsyncHooks(parts.hooks, 'on_side_effect', room, { detail: effect as unknown as JsonObject }, reportHookError(parts));
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
];
