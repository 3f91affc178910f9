// The per-room reply address (plus-addressing): every mail about a room says "reply to
// support+<roomId>@example.com", so a reply that lost its threading headers still finds its room.
// The pattern is configurable; `{roomId}` marks where the room id goes.
import { RoomwireError } from '../../errors';

export const ROOM_ID_PLACEHOLDER = '{roomId}';
const ROOM_ID = '([A-Za-z0-9_.-]{1,128})';

export interface ReplyAddress {
  /** The reply address of one room. */
  format(roomId: string): string;
  /** The room a recipient address names, or undefined. */
  roomOf(address: string): string | undefined;
}

/** `support+{roomId}@example.com` from a sender `support@example.com`. */
export function plusPattern(fromAddress: string): string {
  const at = fromAddress.lastIndexOf('@');
  return `${fromAddress.slice(0, at)}+${ROOM_ID_PLACEHOLDER}${fromAddress.slice(at)}`;
}

export function replyAddress(pattern: string): ReplyAddress {
  const parts = pattern.split(ROOM_ID_PLACEHOLDER);
  if (parts.length !== 2 || !/^[^@\s]*@[^@\s]+\.[^@\s]+$/.test(parts.join('x'))) {
    throw new RoomwireError('invalid_input', `must be an email address with ${ROOM_ID_PLACEHOLDER} once in it, such as support+${ROOM_ID_PLACEHOLDER}@example.com`, 'replyAddress');
  }
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Mail systems may change the case of the domain (and some of the local part): match without case.
  const matcher = new RegExp(`^${escape(parts[0]!)}${ROOM_ID}${escape(parts[1]!)}$`, 'i');
  return {
    format: (roomId) => parts.join(roomId),
    roomOf: (address) => matcher.exec(address.trim())?.[1],
  };
}
