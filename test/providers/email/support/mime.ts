// Raw MIME mails built by nodemailer's own composer, as a mail server would hand them over.
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';

export async function mime(options: Mail.Options & { extraHeaders?: Record<string, string> }): Promise<string> {
  const { extraHeaders, ...mail } = options;
  const built = await new MailComposer({ ...mail, headers: { ...(mail.headers as Record<string, string> | undefined), ...extraHeaders } }).compile().build();
  return built.toString('utf8');
}
