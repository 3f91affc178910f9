// The JSON webhook: the shape inbound-parse services (SendGrid Inbound Parse, Postmark, Mailgun
// routes) post, normalised to one documented body (docs/providers.md, "Email"):
//   { from, to, cc?, envelope?: {to}, subject?, text?, html?, headers?, attachments?: [{url, contentType, filename?, size?}] }
// `headers` may be an object (name → value), a list of {name, value} or the raw header block;
// the threading headers (Message-ID, In-Reply-To, References) are read from it.
import addressparser from 'nodemailer/lib/addressparser';
import { RoomwireError } from '../../errors';
import type { Json } from '../../model';
import { compileValidator } from '../../validation';
import { htmlToText } from './html-text';
import { isAutomatic, replyOrder, type InboundMail, type MailAttachment } from './mail';
import { messageIdOf, messageIdsIn } from './message-id';

const MAX_ATTACHMENTS = 20;
const MAX_HEADERS = 500;
/** JSON the store can keep as the raw source: an object, not deeper than any real mail, well-formed Unicode. */
const validateBody = compileValidator<Record<string, unknown>>({ type: 'object' }, 'body');
const MIME_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/;

function invalid(field: string, message: string): RoomwireError {
  return new RoomwireError('invalid_input', message, field);
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(name, 'must be a string');
  return value;
}

/** Addresses of an address field: "Ada <ada@x.org>, bob@y.org", a list of those, or {address|email, name} objects. */
function addressesOf(value: unknown, field: string): { address: string; name?: string }[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.flatMap((item, i) => {
    if (typeof item === 'string') return addressparser(item, { flatten: true }).map((a) => ({ address: a.address, ...(a.name ? { name: a.name } : {}) }));
    if (item && typeof item === 'object') {
      const object = item as { address?: unknown; email?: unknown; name?: unknown };
      const address = typeof object.address === 'string' ? object.address : typeof object.email === 'string' ? object.email : undefined;
      if (address) return [{ address, ...(typeof object.name === 'string' && object.name ? { name: object.name } : {}) }];
    }
    throw invalid(Array.isArray(value) ? `${field}[${i}]` : field, 'must be an email address');
  });
}

/** Header values by lower-case name (the first occurrence of a repeated name wins). */
function headersOf(value: unknown): Map<string, string> {
  const headers = new Map<string, string>();
  const add = (name: unknown, text: unknown) => {
    if (typeof name !== 'string' || typeof text !== 'string') throw invalid('headers', 'must map header names to string values');
    if (headers.size >= MAX_HEADERS) throw invalid('headers', `has more than ${MAX_HEADERS} headers`);
    if (!headers.has(name.toLowerCase())) headers.set(name.toLowerCase(), text);
  };
  if (value === undefined || value === null) return headers;
  if (typeof value === 'string') {
    // The raw header block: continuation lines start with white space.
    for (const line of value.replace(/\r\n?/g, '\n').replace(/\n[ \t]+/g, ' ').split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) add(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
  } else if (Array.isArray(value)) {
    for (const entry of value) {
      const pair = (entry ?? {}) as { name?: unknown; value?: unknown; Name?: unknown; Value?: unknown };
      add(pair.name ?? pair.Name, pair.value ?? pair.Value);
    }
  } else if (typeof value === 'object') {
    for (const [name, text] of Object.entries(value)) add(name, text);
  } else {
    throw invalid('headers', 'must be an object, a list of {name, value} or the raw header block');
  }
  return headers;
}

function attachmentsOf(value: unknown): MailAttachment[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('attachments', 'must be a list');
  if (value.length > MAX_ATTACHMENTS) throw invalid('attachments', `has more than ${MAX_ATTACHMENTS} items`);
  return value.map((item, i) => {
    const field = `attachments[${i}]`;
    if (!item || typeof item !== 'object') throw invalid(field, 'must be an object');
    const { url, contentType, filename, size } = item as Record<string, unknown>;
    if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url)) throw invalid(`${field}.url`, 'is not an http(s) URL');
    const type = typeof contentType === 'string' ? contentType.split(';')[0]!.trim().toLowerCase() : 'application/octet-stream';
    if (!MIME_TYPE.test(type)) throw invalid(`${field}.contentType`, 'is not a MIME type');
    if (filename !== undefined && typeof filename !== 'string') throw invalid(`${field}.filename`, 'must be a string');
    if (size !== undefined && !(Number.isSafeInteger(size) && (size as number) >= 0)) throw invalid(`${field}.size`, 'must be a whole number of bytes');
    return { url, contentType: type, ...(filename ? { filename } : {}), ...(size !== undefined ? { sizeBytes: size as number } : {}) };
  });
}

export function parseJsonMail(rawBody: Buffer): InboundMail {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw invalid('body', 'is not valid JSON');
  }
  const body = validateBody(parsed);
  const from = addressesOf(body.from, 'from');
  if (from.length !== 1) throw invalid('from', 'must be one email address');
  const headers = headersOf(body.headers);
  const envelope = body.envelope && typeof body.envelope === 'object' ? (body.envelope as { to?: unknown }).to : undefined;
  const html = optionalString(body, 'html');
  const text = optionalString(body, 'text');
  return {
    messageId: messageIdOf(headers.get('message-id')),
    replyTo: replyOrder(messageIdsIn(headers.get('in-reply-to')), messageIdsIn(headers.get('references'))),
    from: from[0]!,
    recipients: [...addressesOf(body.to, 'to'), ...addressesOf(body.cc, 'cc'), ...addressesOf(envelope, 'envelope.to')].map((a) => a.address),
    subject: optionalString(body, 'subject'),
    text: text !== undefined && text.trim() !== '' ? text : html ? htmlToText(html) : '',
    attachments: attachmentsOf(body.attachments),
    automatic: isAutomatic(headers.get('auto-submitted'), headers.get('precedence')),
    raw: body as Json,
  };
}
