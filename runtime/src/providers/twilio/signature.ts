// X-Twilio-Signature (CHANNELS.md "Twilio Programmable Messaging"): base64 HMAC of the full URL
// Twilio called followed by every POST field name and value, names sorted, the values of a
// repeated name de-duplicated and sorted. JSON bodies are signed through a `bodySHA256` query
// parameter instead (the signature then covers the URL alone). Like Twilio's own validators, the
// URL is tried as received and with its default port removed and added, and a URL that a proxy or
// tunnel rewrote is rebuilt from the configured public base URL. Checked before anything is parsed;
// the secret never appears in an error, nor does the expected signature (that would be an oracle).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { RoomwireError } from '../../errors';
import type { InboundRequest } from '../contract';
import { decodeForm, type FormFields } from './form';

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';
/** `key=<shared key sid>,algorithm=HMAC_SHA256` when a webhook is signed with a shared key. */
export const TWILIO_SIGNATURE_SETTINGS_HEADER = 'x-twilio-webhooks-signature-settings';

export type TwilioSignatureAlgorithm = 'HMAC_SHA1' | 'HMAC_SHA256';

export interface TwilioSigningKeys {
  /** The account's Auth Token: the key of every HMAC_SHA1 signature. */
  authToken?: string;
  /** A webhook shared key's secret: the key of HMAC_SHA256 signatures. */
  signingKey?: string;
}

export function twilioSignature(
  key: string,
  url: string,
  fields: FormFields,
  algorithm: TwilioSignatureAlgorithm = 'HMAC_SHA1',
): string {
  let data = url;
  for (const name of [...fields.keys()].sort()) {
    for (const value of [...new Set(fields.get(name))].sort()) data += name + value;
  }
  return createHmac(algorithm === 'HMAC_SHA256' ? 'sha256' : 'sha1', key)
    .update(data, 'utf8')
    .digest('base64');
}

/** The URL Twilio called: the public base URL (proxy, tunnel) with the path and query received. */
export function publicRequestUrl(requestUrl: string, publicBaseUrl?: string): string {
  if (!publicBaseUrl) return requestUrl;
  const afterAuthority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(requestUrl);
  const pathAndQuery = afterAuthority ? requestUrl.slice(afterAuthority[0].length) : requestUrl;
  return publicBaseUrl.replace(/\/+$/, '') + pathAndQuery;
}

/**
 * The URL as received without its port and with it (the default port added when it had none),
 * then the same for the URL as `new URL()` spells it.
 */
export function candidateUrls(url: string): string[] {
  const candidates = new Set<string>();
  const add = (spelling: string) => {
    const parts = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*@)?(\[[^\]]*\]|[^/?#:]*)(:\d*)?(.*)$/is.exec(spelling);
    if (!parts) {
      candidates.add(spelling);
      return;
    }
    const [, scheme, userInfo = '', host, port, rest] = parts;
    const defaultPort = scheme!.toLowerCase() === 'https://' ? ':443' : ':80';
    candidates.add(`${scheme}${userInfo}${host}${rest}`);
    candidates.add(`${scheme}${userInfo}${host}${port ?? defaultPort}${rest}`);
  };
  add(url);
  try {
    add(new URL(url).toString());
  } catch {
    // Not a URL: only the spelling as received can match.
  }
  return [...candidates];
}

function header(request: InboundRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function algorithmOf(settings: string | undefined): string {
  for (const part of (settings ?? '').split(',')) {
    const [name, value] = part.split('=').map((s) => s.trim());
    if (name === 'algorithm' && value) return value.toUpperCase();
  }
  return 'HMAC_SHA1';
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // The length of a well-formed signature is fixed by the algorithm: comparing it leaks nothing.
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Throws `unauthorized` (401) when the request carries no signature and `forbidden` (403) when
 * the signature does not match (or the channel has no key to check it with).
 */
export function verifyTwilioSignature(request: InboundRequest, keys: TwilioSigningKeys, publicBaseUrl?: string): void {
  const signature = header(request, TWILIO_SIGNATURE_HEADER);
  if (!signature) throw new RoomwireError('unauthorized', `missing ${TWILIO_SIGNATURE_HEADER} header`);
  const algorithm = algorithmOf(header(request, TWILIO_SIGNATURE_SETTINGS_HEADER));
  if (algorithm !== 'HMAC_SHA1' && algorithm !== 'HMAC_SHA256') {
    throw new RoomwireError('forbidden', `${TWILIO_SIGNATURE_SETTINGS_HEADER} names an unsupported algorithm ${JSON.stringify(algorithm)}`);
  }
  const key = algorithm === 'HMAC_SHA256' ? keys.signingKey : keys.authToken;
  if (!key) {
    const missing = algorithm === 'HMAC_SHA256' ? 'webhook signing key (HMAC_SHA256)' : 'Auth Token';
    throw new RoomwireError('forbidden', `this channel has no Twilio ${missing} to verify ${TWILIO_SIGNATURE_HEADER} with`);
  }
  const url = publicRequestUrl(request.url, publicBaseUrl);
  const bodyHash = bodySha256Of(url);
  const fields = bodyHash === null ? decodeForm(request.rawBody.toString('utf8')) : new Map<string, string[]>();
  const matches = candidateUrls(url).some((candidate) => sameText(signature, twilioSignature(key, candidate, fields, algorithm)));
  if (!matches) throw new RoomwireError('forbidden', `${TWILIO_SIGNATURE_HEADER} does not match the request (check the channel's public base URL)`);
  if (bodyHash !== null && !sameText(bodyHash.toLowerCase(), createHash('sha256').update(request.rawBody).digest('hex'))) {
    throw new RoomwireError('forbidden', 'the body does not match the bodySHA256 the signature covers');
  }
}

/** The `bodySHA256` query parameter of a JSON webhook's URL, or null for a form post. */
function bodySha256Of(url: string): string | null {
  try {
    return new URL(url).searchParams.get('bodySHA256');
  } catch {
    return null;
  }
}
