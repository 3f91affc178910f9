// One spelling per address (docs/identity.md): every address that enters the engine (attach,
// inbound routing, identity lookups and links) goes through `normaliseAddress`, so `+1 (555)
// 010-0001`, `0015550100001` and `whatsapp:+15550100001` find the same person.
import { RoomwireError } from '../errors';
import type { IdentityAddress } from '../model';

/** Channel types whose addresses are phone numbers, written in E.164 (`+15550100001`). */
export const PHONE_CHANNEL_TYPES: ReadonlySet<string> = new Set(['sms', 'mms', 'whatsapp', 'voice']);

/** Separators people and providers put into phone numbers: spaces, dashes, dots, parentheses. */
const PHONE_SEPARATORS = /[\s\u00a0\u2000-\u200b\u2010-\u2015.()\-/]/g;
const E164 = /^\+[1-9]\d{6,14}$/;
/** A number written without its `+` (the MSISDN form Sinch, WhatsApp ids and most aggregators use). */
const MSISDN = /^[1-9]\d{7,14}$/;
/** SMS short codes (3 to 6 digits) are kept as digits: they have no country code. */
const SHORT_CODE = /^[1-9]\d{2,5}$/;
const WHATSAPP_PREFIX = /^whatsapp:/i;
const EMAIL = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/;

function invalidAddress(field: string, message: string): RoomwireError {
  return new RoomwireError('invalid_input', message, field);
}

function normalisePhone(raw: string, channelType: string, field: string): string {
  const compact = raw.replace(/^tel:/i, '').replace(PHONE_SEPARATORS, '');
  const candidate = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  if (E164.test(candidate)) return candidate;
  if (MSISDN.test(candidate)) return `+${candidate}`;
  if (SHORT_CODE.test(candidate)) return candidate;
  const shown = JSON.stringify(raw);
  if (/^0[1-9]/.test(candidate) && /^\d+$/.test(candidate)) {
    throw invalidAddress(field, `${shown} is a national number; ${channelType} addresses need the country code (E.164, e.g. +447700900123)`);
  }
  throw invalidAddress(field, `${shown} is not a phone number; ${channelType} addresses are E.164 (+ country code and number, e.g. +15550100001)`);
}

function normaliseEmail(raw: string, field: string): string {
  let value = raw.trim().replace(/^mailto:/i, '');
  // `Ada Lovelace <ada@example.org>` (a From header) names the address between the brackets.
  const bracketed = /<([^<>]+)>\s*$/.exec(value);
  if (bracketed) value = bracketed[1]!;
  value = value.trim().toLowerCase();
  if (!EMAIL.test(value)) throw invalidAddress(field, `${JSON.stringify(raw)} is not an email address`);
  return value;
}

/**
 * The canonical `{channelType, address}` for an address given on a channel type. Phone types:
 * E.164 (separators stripped, `00` → `+`), and a `whatsapp:` prefix moves the address to the
 * `whatsapp` channel type. Email: trimmed, lower-cased. Other types: trimmed, otherwise as given
 * (web chat sessions and personas are case-sensitive ids). Throws `invalid_input` naming `field`.
 */
export function normaliseAddress(channelType: string, address: string, field = 'address'): IdentityAddress {
  const trimmed = address.trim();
  if (trimmed === '') throw invalidAddress(field, 'must not be empty');
  if (PHONE_CHANNEL_TYPES.has(channelType) && WHATSAPP_PREFIX.test(trimmed)) {
    return { channelType: 'whatsapp', address: normalisePhone(trimmed.replace(WHATSAPP_PREFIX, '').trim(), 'whatsapp', field) };
  }
  if (PHONE_CHANNEL_TYPES.has(channelType)) return { channelType, address: normalisePhone(trimmed, channelType, field) };
  if (channelType === 'email') return { channelType, address: normaliseEmail(trimmed, field) };
  return { channelType, address: trimmed };
}

/**
 * The address as a binding on a channel of `channelType` holds it. A binding cannot change its
 * channel's type: a `whatsapp:` address on an SMS channel is refused, naming the field.
 */
export function addressForChannel(channelType: string, channelId: string, address: string, field = 'address'): string {
  const normalised = normaliseAddress(channelType, address, field);
  if (normalised.channelType !== channelType) {
    throw invalidAddress(
      field,
      `${JSON.stringify(address)} is a ${normalised.channelType} address; channel ${channelId} carries ${channelType} (use a ${normalised.channelType} channel)`,
    );
  }
  return normalised.address;
}

export function sameAddress(a: IdentityAddress, b: IdentityAddress): boolean {
  return a.channelType === b.channelType && a.address === b.address;
}

export function describeAddress(a: IdentityAddress): string {
  return `${a.channelType}:${a.address}`;
}
