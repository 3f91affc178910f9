// Which binding a message means: `bindingId`, or a participant named by room, channel and address
// (what a flow usually knows: "bob in room demo"). The address is looked up through the
// `getRoom` operation, never in the store.
import { RoomwireError, type Binding } from '@roomwire/runtime';
import { fieldError } from './input';
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
