// The SMTP side of the email provider: one nodemailer transport per channel, and what an SMTP
// failure means for the delivery. A 5xx reply fails the same way every time (unknown mailbox,
// refused content, bad credentials): permanent. A 4xx reply (greylisting, a full queue) and a
// connection that failed or timed out are transient: the engine retries. A retry after a timeout
// that struck once the data was sent may deliver twice; it carries the same Message-ID, so mail
// clients show one message (email has no idempotency key).
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { ProviderError } from '../contract';

export interface SmtpOptions {
  host: string;
  /** 587 (STARTTLS) by default, 465 with `secure`. */
  port?: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
  secure?: boolean;
  user?: string;
  password?: string;
  /** Connection, greeting and idle socket timeout; 30 s by default. */
  timeoutMs?: number;
}

export interface OutgoingMail {
  from: string;
  to: string;
  replyTo?: string;
  subject: string;
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  text: string;
  html: string;
}

export class SmtpSender {
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(options: SmtpOptions) {
    const timeout = options.timeoutMs ?? 30_000;
    this.transport = createTransport({
      host: options.host,
      port: options.port ?? (options.secure ? 465 : 587),
      secure: options.secure === true,
      auth: options.user ? { user: options.user, pass: options.password ?? '' } : undefined,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
  }

  async send(mail: OutgoingMail): Promise<void> {
    try {
      await this.transport.sendMail({
        from: mail.from,
        to: mail.to,
        replyTo: mail.replyTo,
        subject: mail.subject,
        messageId: mail.messageId,
        inReplyTo: mail.inReplyTo,
        references: mail.references,
        text: mail.text,
        html: mail.html,
      });
    } catch (error) {
      throw smtpError(error);
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** A nodemailer failure as a ProviderError (code `smtp_<reply code>`, or what failed). */
export function smtpError(error: unknown): ProviderError {
  const failure = error as { responseCode?: unknown; code?: unknown; message?: unknown; response?: unknown };
  const message = typeof failure?.message === 'string' ? failure.message : String(error);
  const replyCode = typeof failure?.responseCode === 'number' ? failure.responseCode : undefined;
  if (replyCode !== undefined && replyCode >= 400 && replyCode < 600) {
    return new ProviderError(`smtp_${replyCode}`, `the SMTP server answered ${message}`, replyCode >= 500);
  }
  const code = typeof failure?.code === 'string' ? failure.code : '';
  // Without a reply code: a refused envelope or message is built wrong every time; anything else
  // (no connection, a timeout, a TLS or protocol failure) may work on the next attempt.
  if (code === 'EENVELOPE' || code === 'EMESSAGE') return new ProviderError('smtp_message', message, true);
  if (code === 'EAUTH') return new ProviderError('smtp_auth', `SMTP authentication failed: ${message}`, true);
  return new ProviderError('network', `SMTP: ${message}`, false);
}
