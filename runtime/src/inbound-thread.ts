// Provider threading (email's In-Reply-To, References and reply address), resolved in one place:
// the room a message says it continues, if that room is still open. Provider message ids are
// looked up on the arrival channel only, among deliveries (what Roomwire sent) and inbound events
// (what participants wrote), so a thread never crosses into another channel's traffic.
import type { EngineParts } from './engine-parts';
import type { ParsedInbound } from './providers/contract';

type Thread = NonNullable<Extract<ParsedInbound, { kind: 'message' }>['thread']>;

/** Thread hints beyond this many are ignored: a References header can be long and costs a read each. */
const MAX_REPLY_IDS = 20;

/** The open room the thread names (first reply id that resolves, then the addressed room), or null. */
export async function threadRoom(parts: Pick<EngineParts, 'store' | 'cache'>, channelId: string, thread: Thread | undefined): Promise<string | null> {
  if (!thread) return null;
  for (const id of (thread.replyTo ?? []).slice(0, MAX_REPLY_IDS)) {
    const roomId = await roomOfProviderMessage(parts, channelId, id);
    if (roomId && (await isOpen(parts, roomId))) return roomId;
  }
  if (thread.roomId && (await isOpen(parts, thread.roomId))) return thread.roomId;
  return null;
}

async function roomOfProviderMessage(parts: Pick<EngineParts, 'store'>, channelId: string, providerMessageId: string): Promise<string | null> {
  const delivery = await parts.store.findDeliveryByProviderMessageId(channelId, providerMessageId);
  if (delivery) return delivery.roomId;
  const event = await parts.store.findEventByProviderMessageId(channelId, providerMessageId);
  return event?.roomId ?? null;
}

async function isOpen(parts: Pick<EngineParts, 'store' | 'cache'>, roomId: string): Promise<boolean> {
  const room = parts.cache.peek(roomId)?.room ?? (await parts.store.getRoom(roomId));
  return room !== null && (room.state === 'active' || room.state === 'paused');
}
