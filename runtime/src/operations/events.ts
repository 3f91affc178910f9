// Timeline operations: write an event through the pipeline, read the timeline, the read horizon.
import { RoomwireError } from '../errors';
import { markRead, readTimeline, unreadCount } from '../reads';
import { writeEvent, type WriteEventInput } from '../pipeline/write-event';
import { validateContent } from '../content-validation';
import { operation, type Operation } from './define';
import { checkMetadata } from './shared';
import * as s from './schemas';

export const eventOperations: Operation<any, unknown>[] = [
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
];
