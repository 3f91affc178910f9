// Hook operations: stored room hooks (they survive a restart) and the list of hooks that run.
import { notFound } from '../errors';
import { newId } from '../ids';
import type { HookFilters, HookTrigger, StoredHook } from '../hooks/types';
import { operation, withApi, type Operation } from './define';
import * as out from './output-schemas';
import { requireRoom } from './shared';
import * as s from './schemas';
import type { EngineParts } from '../engine-parts';

const operations: Operation<any, unknown>[] = [
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
    async (parts: Pick<EngineParts, 'store' | 'cache' | 'hooks' | 'clock'>, input) => {
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
  operation<{ hookId: string }, unknown>('removeRoomHook', 'Remove a stored room hook.', true, { hookId: s.id }, ['hookId'], async (parts: Pick<EngineParts, 'store' | 'hooks'>, input) => {
    const hook = parts.hooks.get(input.hookId);
    if (!hook || !hook.persisted) throw notFound('room hook', input.hookId, 'hookId');
    await parts.store.commit({ deletedHookIds: [input.hookId] });
    parts.hooks.remove(input.hookId);
    return { removed: input.hookId };
  }),
  operation<{ roomId?: string }, unknown>('listHooks', 'Hooks that run, globally or for one room.', false, { roomId: s.id }, [], async (parts: Pick<EngineParts, 'hooks'>, input) => ({
    hooks: parts.hooks.list(input.roomId).map(({ handler: _handler, sequence: _sequence, ...hook }) => hook),
  })),
];

export const hookOperations = withApi(operations, {
  addRoomHook: {
    http: { method: 'POST', path: '/rooms/{roomId}/hooks' },
    output: out.hook,
    errors: ['not_found'],
    examples: [{ summary: 'POST every inbound message of r1 to a URL', input: { roomId: 'r1', name: 'crm', trigger: 'after_broadcast', target: { url: 'https://crm.example/hook' } } }],
  },
  removeRoomHook: {
    http: { method: 'DELETE', path: '/hooks/{hookId}' },
    output: { type: 'object', properties: { removed: { type: 'string' } }, required: ['removed'] },
    errors: ['not_found'],
    examples: [{ summary: 'Remove hook hk1', input: { hookId: 'hk1' } }],
    destructive: true,
  },
  listHooks: {
    http: { method: 'GET', path: '/hooks' },
    output: out.list('hooks', out.hook),
    errors: [],
    examples: [{ summary: 'Hooks that run in r1', input: { roomId: 'r1' } }],
  },
});
