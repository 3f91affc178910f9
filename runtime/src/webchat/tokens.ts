// Web chat join tokens (DESIGN.md section 12): `<payload>.<signature>`, both base64url, where the
// payload names one binding, its room and channel and an expiry, and the signature is
// HMAC-SHA256 over the payload part with the engine's key. A token opens only the binding it
// names; it carries no permission of its own (the binding's access, mute and visibility apply).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { RoomwireError } from '../errors';

export interface ChatTokenClaims {
  bindingId: string;
  roomId: string;
  channelId: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

/** The key from a configured secret, or a random one (tokens then die with the engine). */
export function chatTokenKey(secret: string | undefined): Buffer {
  return secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
}

function sign(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

export function signChatToken(key: Buffer, claims: ChatTokenClaims): string {
  const payload = Buffer.from(JSON.stringify({ b: claims.bindingId, r: claims.roomId, c: claims.channelId, e: claims.expiresAt })).toString('base64url');
  return `${payload}.${sign(key, payload)}`;
}

const refused = (why: string) => new RoomwireError('unauthorized', why, 'token');

/** The token's claims when its signature is the engine's and it has not expired; else `unauthorized`. */
export function verifyChatToken(key: Buffer, token: string, nowMs: number): ChatTokenClaims {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || token.length > 2048) throw refused('is not a chat token');
  const expected = Buffer.from(sign(key, payload));
  const given = Buffer.from(signature);
  // Signature first: nothing in an unsigned payload is looked at.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused('signature does not match');
  let claims: { b?: unknown; r?: unknown; c?: unknown; e?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    throw refused('is not a chat token');
  }
  const { b, r, c, e } = claims;
  if (typeof b !== 'string' || typeof r !== 'string' || typeof c !== 'string' || typeof e !== 'number') throw refused('is not a chat token');
  if (e * 1000 <= nowMs) throw refused('has expired');
  return { bindingId: b, roomId: r, channelId: c, expiresAt: e };
}
