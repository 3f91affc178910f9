// Binding operations: attach a participant's channel to a room, change its permissions, detach it.
import { RoomwireError, invalid, notFound } from '../errors';
import type { EngineParts } from '../engine-parts';
import { normaliseAddress } from '../identity';
import type { Binding, FallbackPolicy } from '../model';
import { attachBinding, detachBinding, rejoinBinding, updateBinding, type AttachInput, type BindingChanges, type AttachParts, type RoomWriteParts } from '../rooms';
import { operation, withApi, type Operation } from './define';
import * as out from './output-schemas';
import { validateContent } from '../content-validation';
import { checkMetadata, requireRoom } from './shared';
import * as s from './schemas';

const operations: Operation<any, unknown>[] = [
  operation<{ bindingId: string; fallback: FallbackPolicy | null }, unknown>(
    'setFallback',
    "Set or clear a binding's fallback policy: when a delivery to it fails (or gets no receipt within `after`), the same event goes to the participant's next channel.",
    true,
    {
      bindingId: s.id,
      fallback: {
        // null clears the policy; `required` and `properties` only constrain the object form.
        type: ['object', 'null'],
        properties: {
          channels: { type: 'array', items: s.id, minItems: 1, maxItems: 10, uniqueItems: true },
          after: s.isoDuration,
          on: {
            type: 'array',
            items: { enum: ['failed', 'undelivered', 'no_receipt', 'outside_window'] },
            minItems: 1,
            uniqueItems: true,
          },
        },
        required: ['channels', 'on'],
        additionalProperties: false,
      },
    },
    ['bindingId', 'fallback'],
    async (parts: RoomWriteParts & Pick<EngineParts, 'channels'>, input) => {
      for (const [i, channelId] of (input.fallback?.channels ?? []).entries()) {
        if (!parts.channels.get(channelId) && !(await parts.store.getChannel(channelId))) {
          throw notFound('channel', channelId, `fallback.channels[${i}]`);
        }
      }
      return updateBinding(parts, input.bindingId, { fallback: input.fallback });
    },
    (input) => {
      if (input.fallback?.on.includes('no_receipt') && !input.fallback.after) {
        throw invalid('fallback.after', 'is required when `on` includes no_receipt');
      }
    },
  ),
  operation<AttachInput, unknown>(
    'attachBinding',
    'Attach a channel to a room for one participant address. Attaching the same channel and address again returns the existing binding.',
    true,
    { roomId: s.id, ...s.bindingSpec.properties },
    ['roomId', 'channelId', 'address'],
    (parts: AttachParts, input) => attachBinding(parts, input),
    checkMetadata,
  ),
  operation<{ bindingId: string } & BindingChanges, unknown>(
    'updateBinding',
    'Change a binding: mute / unmute, access, visibility, audience, metadata, membership `state` (invited → joined, or → left; a left binding only comes back through rejoinBinding), and `windowFallback` (the template sent instead of free-form content outside a session window; null clears it).',
    true,
    {
      bindingId: s.id,
      muted: { type: 'boolean' },
      access: s.access,
      visibility: s.visibility,
      audience: s.audience,
      metadata: s.metadata,
      state: s.bindingState,
      windowFallback: { anyOf: [{ type: 'null' }, s.content] },
    },
    ['bindingId'],
    (parts: RoomWriteParts, { bindingId, ...changes }) => updateBinding(parts, bindingId, changes),
    (input) => {
      checkMetadata(input);
      if (input.windowFallback) validateContent(input.windowFallback, 'windowFallback');
    },
  ),
  operation<{ bindingId: string }, unknown>(
    'detachBinding',
    'Detach a binding: it leaves the room, receives nothing more and its writes are refused.',
    true,
    { bindingId: s.id },
    ['bindingId'],
    (parts: RoomWriteParts, input) => detachBinding(parts, input.bindingId),
  ),
  operation<{ bindingId: string }, unknown>(
    'rejoinBinding',
    'Bring a binding that left back into the room (left → joined): the one explicit way back; it receives events and may write again.',
    true,
    { bindingId: s.id },
    ['bindingId'],
    (parts: RoomWriteParts, input) => rejoinBinding(parts, input.bindingId),
  ),
  operation<{ bindingId: string }, unknown>('getBinding', 'One binding (a participant of a room on one channel), with its permissions and read horizon.', false, { bindingId: s.id }, ['bindingId'], async (parts: Pick<EngineParts, 'store' | 'cache'>, input) => {
    const binding = await parts.store.getBinding(input.bindingId);
    if (!binding) throw notFound('binding', input.bindingId, 'bindingId');
    return parts.cache.peek(binding.roomId)?.binding(binding.id) ?? binding;
  }),
  operation<{ roomId: string; address: string; channelId?: string }, unknown>(
    'findBinding',
    'The participant of a room with this address ("bob in room demo"), optionally on one channel. The address is normalised for each channel type (a phone number written any way matches). Refuses when no participant, or several on different channels, match.',
    false,
    { roomId: s.id, address: s.address, channelId: s.id },
    ['roomId', 'address'],
    async (parts: Pick<EngineParts, 'store' | 'cache'>, input) => {
      const { bindings } = await roomBindings(parts, input.roomId);
      const matches = bindings.filter((b) => {
        if (b.state === 'left' || (input.channelId && b.channelId !== input.channelId)) return false;
        try {
          return normaliseAddress(b.channelType, input.address).address === b.address;
        } catch {
          return false; // not an address of this binding's channel type
        }
      });
      const where = `room ${input.roomId}${input.channelId ? ` on channel ${input.channelId}` : ''}`;
      if (matches.length === 0) throw new RoomwireError('not_found', `${JSON.stringify(input.address)} is not a participant of ${where}`, 'address');
      if (matches.length > 1) throw invalid('channelId', `${JSON.stringify(input.address)} is bound on several channels of ${where}: name the channel`);
      return matches[0]!;
    },
  ),
];

export const bindingOperations = withApi(operations, {
  setFallback: {
    http: { method: 'PUT', path: '/bindings/{bindingId}/fallback' },
    output: out.binding,
    errors: ['not_found'],
    examples: [{ summary: 'Fall back to SMS when WhatsApp fails', input: { bindingId: 'b1', fallback: { channels: ['sms'], on: ['failed', 'undelivered'] } } }],
  },
  attachBinding: {
    http: { method: 'POST', path: '/rooms/{roomId}/bindings' },
    output: { type: 'object', properties: { binding: out.binding, created: { type: 'boolean' } }, required: ['binding', 'created'] },
    errors: ['not_found', 'conflict', 'room_closed'],
    examples: [{ summary: 'Add an agent as an internal participant', input: { roomId: 'r1', channelId: 'agents', address: 'dana', audience: 'internal' } }],
  },
  updateBinding: {
    http: { method: 'PATCH', path: '/bindings/{bindingId}' },
    output: out.binding,
    errors: ['not_found', 'conflict'],
    examples: [{ summary: 'Make a participant read-only', input: { bindingId: 'b1', access: 'read_only' } }],
  },
  detachBinding: {
    http: { method: 'DELETE', path: '/bindings/{bindingId}' },
    output: out.binding,
    errors: ['not_found'],
    examples: [{ summary: 'Remove a participant', input: { bindingId: 'b1' } }],
    destructive: true,
  },
  rejoinBinding: {
    http: { method: 'POST', path: '/bindings/{bindingId}/rejoin' },
    output: out.binding,
    errors: ['not_found', 'conflict', 'room_closed'],
    examples: [{ summary: 'Bring a participant back', input: { bindingId: 'b1' } }],
  },
  getBinding: {
    http: { method: 'GET', path: '/bindings/{bindingId}' },
    output: out.binding,
    errors: ['not_found'],
    examples: [{ summary: 'Binding b1', input: { bindingId: 'b1' } }],
  },
  findBinding: {
    http: { method: 'GET', path: '/rooms/{roomId}/participant' },
    output: out.binding,
    errors: ['not_found'],
    examples: [{ summary: 'Bob in room r1', input: { roomId: 'r1', address: 'bob' } }],
  },
});

async function roomBindings(parts: Pick<EngineParts, 'store' | 'cache'>, roomId: string): Promise<{ bindings: Binding[] }> {
  await requireRoom(parts, roomId);
  return { bindings: parts.cache.peek(roomId)?.bindings ?? (await parts.store.listBindings(roomId)) };
}
