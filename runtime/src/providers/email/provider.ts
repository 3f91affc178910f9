// The email provider: SMTP out (nodemailer), inbound mail in through the channel's webhook as
// JSON from an inbound-parse service or as raw MIME (mailparser). Outbound mails are threaded per
// room and recipient (Message-ID stored as the delivery's provider message id, In-Reply-To,
// References, a per-room reply address); inbound mails find their room by the same facts.
import addressparser from 'nodemailer/lib/addressparser';
import { RoomwireError } from '../../errors';
import type { InboundRequest, OutboundMessage, ParsedInbound, Provider, SendResult, VerifiedInbound } from '../contract';
import { emailCapabilities } from './capabilities';
import { mailToInbound } from './inbound';
import { parseJsonMail } from './inbound-json';
import { parseMimeMail } from './inbound-mime';
import { outboundMessageId } from './message-id';
import { htmlDocument, renderMail } from './render';
import { plusPattern, replyAddress, type ReplyAddress } from './reply-address';
import { verifyEmailInbound } from './signature';
import { SmtpSender, type SmtpOptions } from './smtp';
import { threadHeaders } from './threading';

export interface EmailProviderOptions {
  smtp: SmtpOptions;
  /** The sender, `support@example.com` or `Acme Support <support@example.com>`. */
  from: string;
  /**
   * Each room's reply address, `{roomId}` marking the room: `support+{roomId}@example.com` (the
   * default, plus-addressing on the sender's mailbox). `false`: no reply address, replies go to `from`.
   */
  replyAddress?: string | false;
  /** The subject of a conversation Roomwire starts (`{roomId}` replaced); replies keep the thread's. */
  subject?: string;
  /** The right-hand side of Message-IDs; the sender's domain by default. */
  messageIdDomain?: string;
  /** Verifies inbound requests (HMAC signature or Basic auth password); without it every inbound request is refused. */
  inboundSecret?: string;
  clock?: () => number;
}

const DEFAULT_SUBJECT = 'Your conversation {roomId}';

function invalid(field: string, message: string): RoomwireError {
  return new RoomwireError('invalid_input', message, field);
}

function senderAddress(from: string): string {
  const parsed = typeof from === 'string' ? addressparser(from, { flatten: true }) : [];
  const address = parsed.length === 1 ? parsed[0]!.address : '';
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) throw invalid('from', 'must be one email address, such as "Support <support@example.com>"');
  return address;
}

function contentType(request: InboundRequest): string {
  const value = request.headers['content-type'];
  return (Array.isArray(value) ? value[0] : value ?? '').split(';')[0]!.trim().toLowerCase();
}

export function createEmailProvider(options: EmailProviderOptions): Provider {
  if (!options.smtp?.host) throw invalid('smtp.host', 'is required');
  const address = senderAddress(options.from);
  const domain = options.messageIdDomain ?? address.slice(address.lastIndexOf('@') + 1);
  const replies: ReplyAddress | null = options.replyAddress === false ? null : replyAddress(options.replyAddress || plusPattern(address));
  const subject = options.subject || DEFAULT_SUBJECT;
  const clock = options.clock ?? Date.now;
  const smtp = new SmtpSender(options.smtp);

  return {
    name: 'email',

    capabilities: emailCapabilities,

    async send(message: OutboundMessage): Promise<SendResult> {
      const body = renderMail(message.content);
      const thread = (await message.thread?.()) ?? [];
      const headers = threadHeaders(message.event, thread, subject);
      const messageId = outboundMessageId(message.idempotencyKey, domain);
      await smtp.send({
        from: options.from,
        to: message.to.address,
        replyTo: replies?.format(message.roomId),
        messageId,
        ...headers,
        text: body.text,
        html: htmlDocument(body.html),
      });
      return { status: 'sent', providerMessageId: messageId };
    },

    verifyInbound(request: InboundRequest): VerifiedInbound {
      return verifyEmailInbound(request, options.inboundSecret, clock());
    },

    async parseInbound(request: InboundRequest): Promise<ParsedInbound[]> {
      const type = contentType(request);
      const mail =
        type === 'application/json'
          ? parseJsonMail(request.rawBody)
          : type === 'message/rfc822'
            ? await parseMimeMail(request.rawBody)
            : null;
      if (!mail) throw invalid('content-type', 'must be application/json (an inbound-parse service) or message/rfc822 (raw MIME)');
      return mailToInbound(mail, request.rawBody, replies);
    },

    async close(): Promise<void> {
      smtp.close();
    },
  };
}
