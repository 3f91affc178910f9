// DESIGN.md section 3 step 2, by identity: a provider message goes to the `active` or `paused`
// room where the sender is bound with this address on the very channel it arrived through; else
// where the person is bound on that channel type (another channel of the type, or another of
// their addresses); else, when the room's policy is `metadata.routing: 'identity'`, their open room
// on another channel type. Never a guess: several candidates at the first level that has any open
// a new room.
//
// Before all of these, a provider's own threading (an email reply's In-Reply-To, References or
// reply address: `message.thread`) chooses the room when it names an open one (inbound-thread.ts).
//
// A write is only as trusted as the channel it arrived through: identity may choose the room, but
// the message is always written as a binding of the arrival channel (attached when missing), never
// as the person's binding on another channel whose signature check the request did not pass.
import type { RegisteredChannel } from '../channels';
import type { EngineParts } from '../engine-parts';
import { RoomwireError } from '../errors';
import type { Binding, JsonObject, Room } from '../model';
import type { ParsedInbound } from '../providers/contract';
import { threadRoom } from '../inbound-thread';
import { attachBinding, createRoom, joinIfInvited, type AttachParts } from '../rooms';
import { addressForChannel } from '../identity/normalise';
import { currentIdentityId, resolveIdentity } from '../identity/resolver';

type InboundMessage = Extract<ParsedInbound, { kind: 'message' }>;

/** Room metadata key of the routing policy: `channel` (the default) or `identity`. */
export const ROUTING_KEY = 'routing';
export type RoutingPolicy = 'channel' | 'identity';

export function routingPolicy(metadata: JsonObject): RoutingPolicy {
  return metadata[ROUTING_KEY] === 'identity' ? 'identity' : 'channel';
}

function isOpen(room: Room): boolean {
  return room.state === 'active' || room.state === 'paused';
}

export async function routeInbound(
  parts: AttachParts,
  registered: RegisteredChannel,
  message: InboundMessage,
): Promise<{ roomId: string; bindingId: string }> {
  const channel = registered.channel;
  const from = addressForChannel(channel.type, channel.id, message.from, 'from');
  if (message.roomId) {
    const loaded = await parts.cache.load(message.roomId);
    const binding = loaded?.bindings.find((b) => b.channelId === channel.id && b.address === from && b.state !== 'left');
    if (!binding) throw new RoomwireError('forbidden', `${from} is not a participant of room ${message.roomId}`, 'roomId');
    return { roomId: message.roomId, bindingId: await joinIfInvited(parts, binding) };
  }
  const resolved = await resolveIdentity(parts, channel.type, from, message.displayName);
  // One person's messages are routed one at a time, whichever address they come from.
  return parts.serial.run(`route:${resolved}`, async () => {
    const threaded = await threadRoom(parts, channel.id, message.thread);
    const inThread = threaded ? await joinThread(parts, threaded, channel.id, from, message.displayName) : null;
    if (inThread) return inThread;
    const ofPerson = await bindingsOfPerson(parts, resolved);
    const bindings = ofPerson.filter((b) => b.state !== 'left');
    // Rooms this very address left: it is never attached there again behind the room's back
    // (DESIGN.md section 3), even when another address of the person is still in the room.
    const leftRooms = new Set(ofPerson.filter((b) => b.state === 'left' && b.channelId === channel.id && b.address === from).map((b) => b.roomId));
    const sameType = bindings.filter((b) => b.channelType === channel.type);
    // Rooms where this very address is bound on this channel come first; then the person's other
    // bindings of this channel type (another channel of the type, a second number, an alias from a
    // merge); then, by room policy, other channel types.
    const exact = sameType.filter((b) => b.channelId === channel.id && b.address === from);
    const exactRooms = new Set(exact.map((b) => b.roomId));
    const sameTypeRooms = new Set(sameType.map((b) => b.roomId));
    let roomId: string | null = null;
    if (exactRooms.size === 1) return { roomId: exact[0]!.roomId, bindingId: await joinIfInvited(parts, exact[0]!) };
    if (exactRooms.size === 0 && sameTypeRooms.size === 1) roomId = sameType[0]!.roomId;
    else if (exactRooms.size === 0 && sameTypeRooms.size === 0) roomId = await identityRoutedRoom(parts, bindings);
    if (roomId && leftRooms.has(roomId)) roomId = null;
    if (roomId) {
      // Another address or channel of the same person: it joins the room on the channel it wrote
      // from, so replies go back where they came from and the event names its true channel.
      try {
        const { binding } = await attachBinding(parts, { roomId, channelId: channel.id, address: from, displayName: message.displayName });
        return { roomId, bindingId: await joinIfInvited(parts, binding) };
      } catch (error) {
        // The room closed meanwhile: the message opens a new room, as for a closed room.
        if (!(error instanceof RoomwireError && error.code === 'room_closed')) throw error;
      }
    }
    const policy = channel.info[ROUTING_KEY];
    const { room, bindings: created } = await createRoom(parts, {
      ...(policy === 'identity' || policy === 'channel' ? { metadata: { [ROUTING_KEY]: policy } } : {}),
      bindings: [{ channelId: channel.id, address: from, displayName: message.displayName }],
    });
    return { roomId: room.id, bindingId: created.find((b) => b.channelId === channel.id && b.address === from)!.id };
  });
}

/**
 * The person's bindings in open rooms. While a merge is committing, this process already counts
 * the source as the destination but the store does not yet: ask for both, so a message arriving
 * in that window still finds the room.
 */
async function bindingsOfPerson(parts: Pick<EngineParts, 'store' | 'mergedIdentities'>, resolved: string): Promise<Binding[]> {
  const current = currentIdentityId(parts, resolved);
  const found = await parts.store.listBindingsOfIdentity(resolved, { openRooms: true });
  if (current === resolved) return found;
  const seen = new Set(found.map((b) => b.id));
  return [...found, ...(await parts.store.listBindingsOfIdentity(current, { openRooms: true })).filter((b) => !seen.has(b.id))];
}

/** The one open room of the person whose policy routes by identity; null when none or several. */
async function identityRoutedRoom(parts: Pick<EngineParts, 'store' | 'cache'>, bindings: Binding[]): Promise<string | null> {
  const candidates: string[] = [];
  for (const roomId of new Set(bindings.map((b) => b.roomId))) {
    const room = parts.cache.peek(roomId)?.room ?? (await parts.store.getRoom(roomId));
    if (room && isOpen(room) && routingPolicy(room.metadata) === 'identity') candidates.push(roomId);
  }
  return candidates.length === 1 ? candidates[0]! : null;
}

/**
 * The sender's binding in the room their thread continues, attached on the arrival channel when
 * missing (someone copied on the mail who answers joins the conversation). Null when the sender
 * left that room (a detached binding is never silently re-attached) or it closed meanwhile.
 */
async function joinThread(
  parts: AttachParts,
  roomId: string,
  channelId: string,
  from: string,
  displayName: string | undefined,
): Promise<{ roomId: string; bindingId: string } | null> {
  const loaded = await parts.cache.load(roomId);
  const own = loaded?.bindings.filter((b) => b.channelId === channelId && b.address === from) ?? [];
  const current = own.find((b) => b.state !== 'left');
  if (current) return { roomId, bindingId: await joinIfInvited(parts, current) };
  if (own.length > 0) return null;
  try {
    const { binding } = await attachBinding(parts, { roomId, channelId, address: from, displayName });
    return { roomId, bindingId: await joinIfInvited(parts, binding) };
  } catch (error) {
    if (error instanceof RoomwireError && error.code === 'room_closed') return null;
    throw error;
  }
}

