// Who may post mail into the channel. Two ways, both keyed by the channel's inbound secret:
// - `X-Roomwire-Signature` + `X-Roomwire-Timestamp`, exactly as the generic webhook channel signs
//   (HMAC-SHA256 over "<timestamp>.<raw body>", five-minute window): for a relay you run (a
//   mail-server hook, a small function behind your inbound-parse service).
// - HTTP Basic auth whose password is the secret (any user name): for hosted inbound-parse
//   services that only take a URL (`https://inbound:<secret>@host/…/webhook/<channel>`).
// Checked before anything is parsed; the secret, and the signature expected, never appear in an error.
import { createHash, timingSafeEqual } from 'node:crypto';
import { RoomwireError } from '../../errors';
import type { InboundRequest, VerifiedInbound } from '../contract';
import { SIGNATURE_HEADER, signWebhookBody, TIMESTAMP_HEADER } from '../webhook';

const MAX_CLOCK_SKEW_SECONDS = 300;

function header(request: InboundRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function basicPassword(authorization: string): string | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : decoded.slice(colon + 1);
}

export function verifyEmailInbound(request: InboundRequest, secret: string | undefined, now: number): VerifiedInbound {
  if (!secret) throw new RoomwireError('forbidden', 'this email channel has no inbound secret to verify requests with');
  const signature = header(request, SIGNATURE_HEADER);
  const authorization = header(request, 'authorization');
  if (signature) {
    const timestamp = Number(header(request, TIMESTAMP_HEADER));
    if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > MAX_CLOCK_SKEW_SECONDS) {
      throw new RoomwireError('forbidden', `${TIMESTAMP_HEADER} is missing or outside the allowed five-minute window`);
    }
    if (!sameText(signature, signWebhookBody(secret, timestamp, request.rawBody))) {
      throw new RoomwireError('forbidden', `${SIGNATURE_HEADER} does not match the request body`);
    }
    return { replayKey: signature };
  }
  if (authorization) {
    const password = basicPassword(authorization);
    if (password === null) throw new RoomwireError('unauthorized', 'the Authorization header is not HTTP Basic auth');
    // Digests have one length whatever the password's: comparing them leaks nothing about the secret.
    const digest = (text: string) => createHash('sha256').update(text).digest('hex');
    if (!sameText(digest(password), digest(secret))) throw new RoomwireError('forbidden', 'the Basic auth password is not the channel\'s inbound secret');
    return {};
  }
  throw new RoomwireError('unauthorized', `missing ${SIGNATURE_HEADER} header or Basic auth`);
}
