// Which binding a message means: `bindingId`, or a participant named by room, channel and address
// (what a flow usually knows: "bob in room demo"), looked up by the `findBinding` operation.
import type { Binding } from '@roomwire/runtime';
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
  // Which participant an address means (normalised per channel type) is the engine's rule.
  const binding = await shared.call<Binding>('findBinding', { roomId: ref.roomId, address: ref.address, ...(ref.channelId ? { channelId: ref.channelId } : {}) });
  return binding.id;
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
