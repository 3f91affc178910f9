// Sinch Conversation API callback signatures (CHANNELS.md "Sinch Conversation API"): the
// `x-sinch-webhook-signature` header is base64 (padding kept) of HMAC-SHA256 with the webhook's
// secret over the raw body bytes, ".", the `-nonce` header and ".", the `-timestamp` header (Unix
// seconds). The raw bytes are signed, never a re-serialised body; the comparison is constant-time;
// a timestamp outside the window is refused. Neither the secret nor the expected signature ever
// appears in an error (that would be an oracle).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { RoomwireError } from '../../errors';
import type { InboundRequest } from '../contract';

export const SINCH_SIGNATURE_HEADER = 'x-sinch-webhook-signature';
export const SINCH_NONCE_HEADER = 'x-sinch-webhook-signature-nonce';
export const SINCH_TIMESTAMP_HEADER = 'x-sinch-webhook-signature-timestamp';
export const SINCH_ALGORITHM_HEADER = 'x-sinch-webhook-signature-algorithm';
/** The only algorithm Sinch signs with. */
export const SINCH_ALGORITHM = 'HmacSHA256';
/** How far a callback's timestamp may be from this clock, either way, by default. */
export const SINCH_DEFAULT_WINDOW_SECONDS = 300;
/** Sinch's nonces are short random strings; anything longer is not a nonce. */
const NONCE_MAX = 256;

export function sinchSignature(secret: string, rawBody: Buffer | string, nonce: string, timestamp: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(rawBody)
    .update(`.${nonce}.${timestamp}`, 'utf8')
    .digest('base64');
}

/** What a verified callback proves: its nonce and signature (unique to this signed request). */
export interface VerifiedSinchCallback {
  nonce: string;
  timestampSeconds: number;
  signature: string;
}

function header(request: InboundRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // A well-formed signature's length is fixed by the algorithm: comparing it leaks nothing.
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Throws `unauthorized` (401) when a signature header is missing, and `forbidden` (403) when the
 * signature does not match, the algorithm is not HmacSHA256, or the timestamp is outside
 * `windowSeconds` of `nowMs`.
 */
export function verifySinchSignature(request: InboundRequest, secret: string, nowMs: number, windowSeconds = SINCH_DEFAULT_WINDOW_SECONDS): VerifiedSinchCallback {
  const signature = header(request, SINCH_SIGNATURE_HEADER);
  const nonce = header(request, SINCH_NONCE_HEADER);
  const timestamp = header(request, SINCH_TIMESTAMP_HEADER);
  if (!signature) throw new RoomwireError('unauthorized', `missing ${SINCH_SIGNATURE_HEADER} header`);
  if (!nonce) throw new RoomwireError('unauthorized', `missing ${SINCH_NONCE_HEADER} header`);
  if (!timestamp) throw new RoomwireError('unauthorized', `missing ${SINCH_TIMESTAMP_HEADER} header`);
  const algorithm = header(request, SINCH_ALGORITHM_HEADER);
  if (algorithm !== undefined && algorithm !== SINCH_ALGORITHM) {
    throw new RoomwireError('forbidden', `${SINCH_ALGORITHM_HEADER} names an unsupported algorithm ${JSON.stringify(algorithm.slice(0, 40))}`);
  }
  if (nonce.length > NONCE_MAX) throw new RoomwireError('forbidden', `${SINCH_NONCE_HEADER} is longer than ${NONCE_MAX} characters`);
  if (!/^\d{1,12}$/.test(timestamp)) throw new RoomwireError('forbidden', `${SINCH_TIMESTAMP_HEADER} is not a Unix time in seconds`);
  if (!secret) throw new RoomwireError('forbidden', `this channel has no Sinch webhook secret to verify ${SINCH_SIGNATURE_HEADER} with`);
  const expected = sinchSignature(secret, request.rawBody, nonce, timestamp);
  if (!sameText(signature, expected)) throw new RoomwireError('forbidden', `${SINCH_SIGNATURE_HEADER} does not match the request`);
  // Checked after the signature, so the answer to an unsigned guess says nothing about the clock.
  const timestampSeconds = Number(timestamp);
  if (Math.abs(nowMs / 1000 - timestampSeconds) > windowSeconds) {
    throw new RoomwireError('forbidden', `${SINCH_TIMESTAMP_HEADER} is more than ${windowSeconds} s from this server's clock (a stale or replayed callback, or a clock out of sync)`);
  }
  return { nonce, timestampSeconds, signature };
}
