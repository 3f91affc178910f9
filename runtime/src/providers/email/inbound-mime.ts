// Raw MIME (`message/rfc822`, the mail exactly as the MTA received it), parsed with mailparser.
// Attachments are listed (name, type, size) but not kept: a raw mail brings no URL to show them
// at, and Roomwire stores no files.
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { RoomwireError } from '../../errors';
import { htmlToText } from './html-text';
import { isAutomatic, replyOrder, type InboundMail } from './mail';
import { messageIdOf, messageIdsIn } from './message-id';

function addresses(value: AddressObject | AddressObject[] | undefined): { address: string; name?: string }[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const flat = (list: AddressObject['value']): { address: string; name?: string }[] =>
    list.flatMap((a) => (a.group ? flat(a.group) : a.address ? [{ address: a.address, ...(a.name ? { name: a.name } : {}) }] : []));
  return objects.flatMap((object) => flat(object.value));
}

function headerText(mail: ParsedMail, name: string): string | undefined {
  const value = mail.headers.get(name);
  return typeof value === 'string' ? value : undefined;
}

export async function parseMimeMail(rawBody: Buffer): Promise<InboundMail> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(rawBody, { skipImageLinks: true, skipTextToHtml: true });
  } catch (error) {
    throw new RoomwireError('invalid_input', `is not a MIME message: ${(error as Error).message}`, 'body');
  }
  const from = addresses(mail.from);
  if (from.length !== 1) throw new RoomwireError('invalid_input', 'must name one sender', 'From');
  const deliveredTo = mail.headerLines.filter((line) => line.key === 'delivered-to' || line.key === 'x-original-to').map((line) => line.line.slice(line.line.indexOf(':') + 1).trim());
  return {
    messageId: messageIdOf(mail.messageId),
    replyTo: replyOrder(messageIdsIn(mail.inReplyTo), messageIdsIn(mail.references)),
    from: from[0]!,
    recipients: [...addresses(mail.to), ...addresses(mail.cc), ...deliveredTo.map((address) => ({ address }))].map((a) => a.address),
    subject: mail.subject,
    text: mail.text && mail.text.trim() !== '' ? mail.text : mail.html ? htmlToText(mail.html) : '',
    attachments: mail.attachments.map((a) => ({ contentType: a.contentType, ...(a.filename ? { filename: a.filename } : {}), sizeBytes: a.size })),
    automatic: isAutomatic(headerText(mail, 'auto-submitted'), headerText(mail, 'precedence')),
    raw: { mime: rawBody.toString('utf8') },
  };
}
