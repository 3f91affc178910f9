// Binding operations: attach a participant's channel to a room, change its permissions, detach it.
import { notFound } from '../errors';
import { attachBinding, detachBinding, updateBinding, type AttachInput, type BindingChanges } from '../rooms';
import { operation, type Operation } from './define';
import { checkMetadata } from './shared';
import * as s from './schemas';

export const bindingOperations: Operation<any, unknown>[] = [
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
];
