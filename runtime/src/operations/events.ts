// Timeline operations: write an event through the pipeline, read the timeline, the read horizon.
import { RoomwireError } from '../errors';
import { markRead, readTimeline, unreadCount } from '../reads';
import { writeEvent, type WriteEventInput, type WriteParts } from '../pipeline/write-event';
import { validateContent } from '../content-validation';
import { operation, withApi, type Operation } from './define';
import * as out from './output-schemas';
import { checkMetadata } from './shared';
import * as s from './schemas';
import type { EngineParts } from '../engine-parts';

const operations: Operation<any, unknown>[] = [
  // The pipeline's own input minus what only providers set (provider, reply).
  operation<Omit<WriteEventInput, 'provider' | 'reply'>, unknown>(
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
    (parts: WriteParts, input) =>
      writeEvent(parts, input).then((result) => ({
        event: result.event,
        duplicate: result.duplicate,
        injected: result.injected,
        sideEffects: result.sideEffects,
        deliveryIds: result.deliveryIds,
      })),
    (input) => {
      checkMetadata(input);
      validateContent(input.content);
      if (input.bindingId && input.visibility) {
        throw new RoomwireError('invalid_input', 'a binding writes with its own visibility; set it on the binding', 'visibility');
      }
    },
  ),
  operation<{ roomId: string; bindingId?: string; audit?: boolean; after?: number; fromIndex?: number; limit?: number; descending?: boolean }, unknown>(
    'getTimeline',
    'Events of a room in index order, a page at a time: `after` (an index) returns the events after it, and the answer\'s `nextAfter` is the cursor of the next page, so no event is skipped or repeated while others write. With `bindingId`: only what that binding may see. Blocked events appear only with `audit: true`.',
    false,
    {
      roomId: s.id,
      bindingId: s.id,
      audit: { type: 'boolean' },
      after: { type: 'integer', minimum: -1 },
      fromIndex: s.index,
      limit: s.limit,
      descending: { type: 'boolean' },
    },
    ['roomId'],
    async (parts: Pick<EngineParts, 'store' | 'cache'>, { after, ...input }) => {
      const query = after === undefined ? input : { ...input, fromIndex: after + 1 };
      const events = await readTimeline(parts, query);
      const last = events[events.length - 1];
      return { events, ...(input.descending ? {} : { nextAfter: last ? last.index : (query.fromIndex ?? 0) - 1 }) };
    },
    (input) => {
      if (input.audit && input.bindingId) throw new RoomwireError('invalid_input', 'an audit read is not a participant read', 'audit');
      if (input.after !== undefined && input.fromIndex !== undefined) throw new RoomwireError('invalid_input', 'give `after` or `fromIndex`, not both', 'after');
    },
  ),
  operation<{ bindingId: string; index: number }, unknown>(
    'markRead',
    "Advance a binding's read horizon to an event index (it never moves back).",
    true,
    { bindingId: s.id, index: s.index },
    ['bindingId', 'index'],
    (parts: Pick<EngineParts, 'store' | 'cache' | 'serial' | 'notifier' | 'scheduler' | 'clock' | 'leases'>, input) => markRead(parts, input.bindingId, input.index),
  ),
  operation<{ bindingId: string }, unknown>(
    'getUnreadCount',
    'Events after the read horizon that the binding may see, not counting its own.',
    false,
    { bindingId: s.id },
    ['bindingId'],
    (parts: Pick<EngineParts, 'store' | 'cache'>, input) => unreadCount(parts, input.bindingId),
  ),
];

export const eventOperations = withApi(operations, {
  sendEvent: {
    http: { method: 'POST', path: '/rooms/{roomId}/events' },
    output: {
      type: 'object',
      properties: { event: out.event, duplicate: { type: 'boolean' }, injected: { type: 'array' }, sideEffects: { type: 'array' }, deliveryIds: { type: 'array', items: { type: 'string' } } },
      required: ['event', 'duplicate'],
    },
    errors: ['not_found', 'forbidden', 'room_closed', 'conflict'],
    examples: [
      { summary: 'A message as participant b1', input: { roomId: 'r1', bindingId: 'b1', content: { type: 'text', text: 'Hello!' } } },
      { summary: 'An internal note from the system', input: { roomId: 'r1', content: { type: 'text', text: 'VIP customer' }, visibility: 'internal' } },
    ],
  },
  getTimeline: {
    http: { method: 'GET', path: '/rooms/{roomId}/events' },
    output: out.list('events', out.event, { nextAfter: { type: 'integer' } }),
    errors: ['not_found'],
    examples: [{ summary: 'The first 50 events binding b1 may see', input: { roomId: 'r1', bindingId: 'b1', after: -1, limit: 50 } }],
  },
  markRead: {
    http: { method: 'POST', path: '/bindings/{bindingId}/read' },
    output: out.binding,
    errors: ['not_found'],
    examples: [{ summary: 'Read up to event 12', input: { bindingId: 'b1', index: 12 } }],
  },
  getUnreadCount: {
    http: { method: 'GET', path: '/bindings/{bindingId}/unread' },
    output: { type: 'object', properties: { unread: { type: 'integer' }, lastReadIndex: { type: 'integer' } }, required: ['unread', 'lastReadIndex'] },
    errors: ['not_found'],
    examples: [{ summary: 'Unread count of b1', input: { bindingId: 'b1' } }],
  },
});
