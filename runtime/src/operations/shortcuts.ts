// Resource-shaped shortcuts for the REST API and MCP tools: a plain-text message, muting a
// participant, setting its visibility or access. Each only fills in the general operation's
// input (sendEvent, updateBinding); the rules stay there.
import { notFound } from '../errors';
import { writeEvent, type WriteParts } from '../pipeline/write-event';
import { updateBinding, type BindingChanges, type RoomWriteParts } from '../rooms';
import type { EngineParts } from '../engine-parts';
import { operation, withApi, type Operation } from './define';
import * as out from './output-schemas';
import * as s from './schemas';

async function bindingOfRoom(parts: Pick<EngineParts, 'store'>, roomId: string, bindingId: string): Promise<void> {
  const binding = await parts.store.getBinding(bindingId);
  if (!binding || binding.roomId !== roomId) throw notFound(`binding of room ${roomId}`, bindingId, 'bindingId');
}

function muteOperation(name: string, muted: boolean, description: string) {
  return operation<{ roomId: string; bindingId: string }, unknown>(name, description, true, { roomId: s.id, bindingId: s.id }, ['roomId', 'bindingId'], async (parts: RoomWriteParts, input) => {
    await bindingOfRoom(parts, input.roomId, input.bindingId);
    return updateBinding(parts, input.bindingId, { muted });
  });
}

/** One field of a binding, set through its own route and tool (`set_visibility`, `set_access`). */
function setFieldOperation<K extends 'visibility' | 'access'>(name: string, field: K, schema: unknown, description: string) {
  return operation<{ roomId: string; bindingId: string } & Record<K, NonNullable<BindingChanges[K]>>, unknown>(
    name,
    description,
    true,
    { roomId: s.id, bindingId: s.id, [field]: schema },
    ['roomId', 'bindingId', field],
    async (parts: RoomWriteParts, input) => {
      await bindingOfRoom(parts, input.roomId, input.bindingId);
      return updateBinding(parts, input.bindingId, { [field]: input[field] } as BindingChanges);
    },
  );
}

const operations: Operation<any, unknown>[] = [
  operation<{ roomId: string; bindingId?: string; text: string; idempotencyKey?: string }, unknown>(
    'sendMessage',
    'Send a plain-text message into a room, as a binding (its permissions, visibility, hooks and write gate apply) or as the system. For rich content (buttons, media, templates) use sendEvent.',
    true,
    { roomId: s.id, bindingId: s.id, text: { type: 'string', minLength: 1, maxLength: 4096 }, idempotencyKey: { type: 'string', minLength: 1, maxLength: 256 } },
    ['roomId', 'text'],
    async (parts: WriteParts, { text, ...input }) => {
      const result = await writeEvent(parts, { ...input, type: 'message', content: { type: 'text', text } });
      return { event: result.event, duplicate: result.duplicate };
    },
  ),
  muteOperation('muteBinding', true, 'Mute a participant: it keeps reading the room but nothing is delivered to it (for example, silence the AI while an agent answers).'),
  muteOperation('unmuteBinding', false, 'Unmute a participant: deliveries to it resume.'),
  setFieldOperation(
    'setVisibility',
    'visibility',
    s.visibility,
    "Set who sees what a participant writes (each event it writes is stamped with this): `all` (everyone in the room), `internal` (staff and AI participants only), `none` (nobody else), or a list of binding or channel ids (only those). It does not change what the participant itself receives.",
  ),
  setFieldOperation(
    'setAccess',
    'access',
    s.access,
    'Set what a participant may do: `read_write`, `read_only` (its writes are stored blocked), `write_only` (nothing is delivered to it) or `none`.',
  ),
];

const muteApi = (verb: string) => ({
  http: { method: 'POST' as const, path: `/rooms/{roomId}/bindings/{bindingId}/${verb}` },
  output: out.binding,
  errors: ['not_found' as const, 'room_closed' as const],
  examples: [{ summary: `${verb} binding b1 of room r1`, input: { roomId: 'r1', bindingId: 'b1' } }],
});

export const shortcutOperations = withApi(operations, {
  sendMessage: {
    http: { method: 'POST', path: '/rooms/{roomId}/messages' },
    output: { type: 'object', properties: { event: out.event, duplicate: { type: 'boolean' } }, required: ['event', 'duplicate'] },
    errors: ['not_found', 'forbidden', 'room_closed'],
    examples: [{ summary: 'Say hello as participant b1', input: { roomId: 'r1', bindingId: 'b1', text: 'Hello!' } }],
  },
  muteBinding: muteApi('mute'),
  unmuteBinding: muteApi('unmute'),
  setVisibility: {
    http: { method: 'PUT', path: '/rooms/{roomId}/bindings/{bindingId}/visibility' },
    output: out.binding,
    errors: ['not_found', 'room_closed'],
    examples: [{ summary: 'Let agent binding b1 see internal notes', input: { roomId: 'r1', bindingId: 'b1', visibility: 'internal' } }],
  },
  setAccess: {
    http: { method: 'PUT', path: '/rooms/{roomId}/bindings/{bindingId}/access' },
    output: out.binding,
    errors: ['not_found', 'room_closed'],
    examples: [{ summary: 'Make participant b1 read-only', input: { roomId: 'r1', bindingId: 'b1', access: 'read_only' } }],
  },
});
