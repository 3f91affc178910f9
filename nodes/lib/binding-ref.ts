// Which binding a message means: `bindingId`, or a participant named by room, channel and address
// (what a flow usually knows: "bob in room demo"). The address is looked up through the
// `getRoom` operation, never in the store.
import { RoomwireError, type Binding } from '@roomwire/runtime';
import type { NodeMessageInFlow } from 'node-red';
import { fieldError, msgString, settingOrMsg } from './input';
import type { SharedEngine } from './shared-engine';

export interface BindingRef {
  bindingId?: string;
  roomId?: string;
  channelId?: string;
  address?: string;
}

/** The binding id the reference names, or undefined when it names none. */
export async function resolveBindingId(shared: SharedEngine, ref: BindingRef): Promise<string | undefined> {
  if (ref.bindingId) return ref.bindingId;
  if (!ref.address) return undefined;
  if (!ref.roomId) throw fieldError('roomId', 'is required to find a binding by address: set msg.roomId');
  const { bindings } = await shared.call<{ bindings: Binding[] }>('getRoom', { roomId: ref.roomId });
  const matches = bindings.filter(
    (b) => b.address === ref.address && b.state !== 'left' && (!ref.channelId || b.channelId === ref.channelId),
  );
  const where = `room ${ref.roomId}${ref.channelId ? ` on channel ${ref.channelId}` : ''}`;
  if (matches.length === 0) {
    throw new RoomwireError('not_found', `${JSON.stringify(ref.address)} is not a participant of ${where}`, 'address');
  }
  if (matches.length > 1) throw fieldError('channelId', `${JSON.stringify(ref.address)} is bound on several channels of ${where}: set msg.channelId`);
  return matches[0]!.id;
}

/**
 * The participant a node acts on (mute, visibility, fallback): the node's binding id, else
 * msg.bindingId, else msg.roomId + msg.address (+ msg.channelId). Refuses, naming the field, when
 * the message names nobody.
 */
export async function targetBindingId(shared: SharedEngine, configuredBindingId: string | undefined, msg: NodeMessageInFlow): Promise<string> {
  const bindingId = await resolveBindingId(shared, {
    bindingId: settingOrMsg(configuredBindingId, msg, 'bindingId'),
    roomId: msgString(msg, 'roomId'),
    channelId: msgString(msg, 'channelId'),
    address: msgString(msg, 'address'),
  });
  if (!bindingId) {
    throw fieldError('bindingId', 'is required: set it on the node, as msg.bindingId, or name the participant with msg.roomId and msg.address');
  }
  return bindingId;
}
