// RFC 5322 message identifiers: Roomwire's own (one per delivery, derived from its idempotency
// key so a retried send carries the same Message-ID and mail clients show it once), and the ids
// read from In-Reply-To and References headers, always spelled `<left@right>`.
import { createHash } from 'node:crypto';

/** Longest id kept (RFC 5322 lines stop at 998 characters); longer ones are nobody's Message-ID. */
const MAX_ID_LENGTH = 512;
const ID = /<([^<>\s]+@[^<>\s]+)>/g;

export function outboundMessageId(idempotencyKey: string, domain: string): string {
  const digest = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
  return `<${digest}.roomwire@${domain}>`;
}

/**
 * Every `<id>` in a header value, in order (References lists them separated by folding white
 * space; some senders drop the angle brackets around a lone id, which is accepted too).
 */
export function messageIdsIn(value: string | string[] | undefined | null): string[] {
  if (value === undefined || value === null) return [];
  const text = Array.isArray(value) ? value.join(' ') : value;
  const ids = [...text.matchAll(ID)].map((match) => `<${match[1]}>`);
  if (ids.length === 0 && /^[^<>\s]+@[^<>\s]+$/.test(text.trim())) ids.push(`<${text.trim()}>`);
  return ids.filter((id) => id.length <= MAX_ID_LENGTH);
}

/** The first id of a Message-ID header, or undefined. */
export function messageIdOf(value: string | string[] | undefined | null): string | undefined {
  return messageIdsIn(value)[0];
}
