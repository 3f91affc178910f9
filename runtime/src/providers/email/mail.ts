// An inbound mail as both inbound formats read it (the JSON webhook and raw MIME), before it
// becomes Roomwire events.
import type { Json } from '../../model';

export interface MailAttachment {
  /** Where the inbound-parse service stored it (JSON webhook); raw MIME attachments have none. */
  url?: string;
  contentType: string;
  filename?: string;
  sizeBytes?: number;
}

export interface InboundMail {
  messageId?: string;
  /** In-Reply-To ids, then References ids newest (rightmost) first: the order rooms are looked up in. */
  replyTo: string[];
  from: { address: string; name?: string };
  /** Every recipient address (To, Cc, the envelope): one may be a room's reply address. */
  recipients: string[];
  subject?: string;
  /** The plain-text body (from the HTML part when there is no text part). */
  text: string;
  attachments: MailAttachment[];
  /** An automatic reply (RFC 3834 Auto-Submitted, an out-of-office): never written to a room. */
  automatic: boolean;
  /** Everything received, unmodified: the event's raw source. */
  raw: Json;
}

/** The lookup order of CHANNELS.md: In-Reply-To, then References from the right. */
export function replyOrder(inReplyTo: string[], references: string[]): string[] {
  return [...new Set([...inReplyTo, ...[...references].reverse()])];
}

/** RFC 3834: `Auto-Submitted` other than `no` marks a mail no person wrote. */
export function isAutomatic(autoSubmitted: string | undefined, precedence: string | undefined): boolean {
  const submitted = (autoSubmitted ?? '').trim().toLowerCase();
  return (submitted !== '' && submitted !== 'no') || /^(auto_reply|bulk|junk)$/i.test((precedence ?? '').trim());
}
