// An inbound mail in Roomwire's terms: one message event with what the person wrote (quoted
// history trimmed, the subject alone when the body is empty), then one media event per attachment
// that has a URL. Its Message-ID is the provider message id (a retried delivery of the same mail
// is stored once); without one, a digest of the request body stands in. In-Reply-To, References
// and a room's reply address among the recipients tell the engine which room it continues.
import { createHash } from 'node:crypto';
import { contentLimits } from '../../content/limits';
import { RoomwireError } from '../../errors';
import type { Content, JsonObject } from '../../model';
import type { ParsedInbound } from '../contract';
import type { InboundMail } from './mail';
import { visibleReply } from './quotes';
import type { ReplyAddress } from './reply-address';
import { EMAIL_METADATA } from './threading';

type InboundMessage = Extract<ParsedInbound, { kind: 'message' }>;

const DISPLAY_NAME_MAX = 256;
/** Characters of the subject the room keeps (a folded Subject may run over many lines; the raw mail keeps it whole). */
const SUBJECT_MAX = 998;

export function mailToInbound(mail: InboundMail, rawBody: Buffer, replyAddress: ReplyAddress | null): ParsedInbound[] {
  // An out-of-office answer to a reply is nobody's message, and answering it could loop.
  if (mail.automatic) return [];
  const displayName = mail.from.name?.trim();
  if (displayName && displayName.length > DISPLAY_NAME_MAX) throw new RoomwireError('invalid_input', `longer than ${DISPLAY_NAME_MAX} characters`, 'from');
  const subject = mail.subject === undefined ? undefined : cut(mail.subject.trim(), SUBJECT_MAX);
  const messageId = mail.messageId ?? `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
  const roomId = replyAddress ? mail.recipients.map((address) => replyAddress.roomOf(address)).find(Boolean) : undefined;
  const thread = mail.replyTo.length > 0 || roomId ? { thread: { ...(mail.replyTo.length > 0 ? { replyTo: mail.replyTo } : {}), ...(roomId ? { roomId } : {}) } } : {};
  const metadata: JsonObject = { [EMAIL_METADATA]: { ...(subject ? { subject } : {}), messageId, ...attachmentsNotCarried(mail) } };
  const message = (content: Content, providerMessageId: string): InboundMessage => ({
    kind: 'message',
    from: mail.from.address,
    ...(displayName ? { displayName } : {}),
    content,
    providerMessageId,
    metadata,
    ...thread,
    raw: mail.raw,
  });

  const text = shown(mail.text.trim() !== '' ? visibleReply(mail.text) : (subject ?? ''));
  const media = mail.attachments.filter((a) => a.url);
  const items: InboundMessage[] = [];
  if (text !== '') items.push(message({ type: 'text', text }, messageId));
  // Each attachment is its own event; the first item keeps the Message-ID, so a retried mail is
  // recognised item by item.
  media.forEach((a, i) => {
    const content: Content = { type: 'media', url: a.url!, mimeType: a.contentType, ...(a.filename ? { filename: a.filename } : {}), ...(a.sizeBytes !== undefined ? { sizeBytes: a.sizeBytes } : {}) };
    const first = items.length === 0;
    items.push(message(content, first ? messageId : `${messageId}#${i + 1}`));
  });
  return items;
}

/**
 * A reply longer than any event may hold is cut (at a code point) rather than refused: refusing
 * would lose the mail, and the whole of it stays in the raw source.
 */
function shown(text: string): string {
  return cut(text, contentLimits.textLength);
}

/** At most `max` code points, the last one an ellipsis when something was cut. */
function cut(text: string, max: number): string {
  const codePoints = [...text];
  return codePoints.length <= max ? text : `${codePoints.slice(0, max - 1).join('')}…`;
}

/** Raw MIME attachments (no URL to show them at): named in the event's metadata. */
function attachmentsNotCarried(mail: InboundMail): JsonObject {
  const listed = mail.attachments.filter((a) => !a.url).slice(0, 20).map((a) => ({ contentType: a.contentType, ...(a.filename ? { filename: a.filename } : {}), ...(a.sizeBytes !== undefined ? { sizeBytes: a.sizeBytes } : {}) }));
  return listed.length > 0 ? { attachments: listed } : {};
}
