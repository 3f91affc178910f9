// Which binding a message means: `bindingId`, or a participant named by room, channel and address
// (what a flow usually knows: "bob in room demo"), looked up by the `findBinding` operation.
import type { Binding } from '@roomwire/runtime';
import type { NodeAPI, NodeMessageInFlow } from 'node-red';
import { configuredChannelId } from './channel-config';
import { foreignKey, translator } from './i18n';
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

/** How a node names its participant in its dialog: a channel node and an address, or msg. */
export interface ParticipantChoice {
  target?: 'participant' | 'msg';
  /** A `roomwire-channel` config node (target `participant`). */
  channel?: string;
  /** Target `participant`: the address on that channel; empty: msg.address. */
  address?: string;
  /** Target `msg`: a binding id that wins over msg.bindingId. */
  bindingId?: string;
}

/**
 * The binding of "a participant: channel node + address" in `roomId`, the address being the
 * node's, else msg.address. Refuses, naming the field, when either is missing.
 */
export async function participantBindingId(RED: NodeAPI, shared: SharedEngine, roomId: string, choice: ParticipantChoice, msg: NodeMessageInFlow): Promise<string> {
  const _ = translator(RED);
  const channelId = configuredChannelId(RED, choice.channel);
  if (!channelId) throw fieldError('channel', _(foreignKey('roomwire-engine', 'common.errors.channel')));
  const address = settingOrMsg(choice.address, msg, 'address');
  if (!address) throw fieldError('address', _(foreignKey('roomwire-engine', 'common.errors.address')));
  return (await resolveBindingId(shared, { roomId, channelId, address }))!;
}

/**
 * The participant a node acts on (mute, visibility, fallback): the channel node and address of its
 * dialog, in room msg.roomId; or, for target `msg`, whoever the node's binding id or msg names.
 */
export async function chosenBindingId(RED: NodeAPI, shared: SharedEngine, choice: ParticipantChoice, msg: NodeMessageInFlow): Promise<string> {
  if (choice.target !== 'participant') return targetBindingId(shared, choice.bindingId, msg);
  const roomId = msgString(msg, 'roomId');
  if (!roomId) throw fieldError('roomId', translator(RED)(foreignKey('roomwire-engine', 'common.errors.roomId')));
  return participantBindingId(RED, shared, roomId, choice, msg);
}
