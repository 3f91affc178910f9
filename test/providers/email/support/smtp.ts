// A real SMTP server on loopback (smtp-server, port 0) that parses every mail it receives with
// mailparser, checks the login when one is required, and can refuse recipients with a chosen
// SMTP reply (a 5xx unknown mailbox, a 4xx greylisting) to test how failures are classified.
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  raw: string;
  parsed: ParsedMail;
  /** Header values by lower-case name, as sent. */
  header(name: string): string | undefined;
}

export interface FakeSmtp {
  port: number;
  mails: ReceivedMail[];
  /** Logins the server saw (user, password). */
  logins: { user: string; password: string }[];
  /** Answer RCPT TO with this reply code and message, or accept (null). */
  refuseRecipients(reply: { code: number; message: string } | null): void;
  close(): Promise<void>;
}

export async function startFakeSmtp(login?: { user: string; password: string }): Promise<FakeSmtp> {
  const mails: ReceivedMail[] = [];
  const logins: { user: string; password: string }[] = [];
  let refusal: { code: number; message: string } | null = null;
  const server = new SMTPServer({
    authOptional: !login,
    disabledCommands: login ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push({ user: auth.username ?? '', password: auth.password ?? '' });
      if (login && auth.username === login.user && auth.password === login.password) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(_address, _session, callback) {
      if (refusal) callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        void simpleParser(raw).then((parsed) => {
          const lines = parsed.headerLines;
          mails.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            raw: raw.toString('utf8'),
            parsed,
            header: (name) => {
              const line = lines.find((l) => l.key === name.toLowerCase())?.line;
              return line === undefined ? undefined : line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
            },
          });
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    logins,
    refuseRecipients(reply) {
      refusal = reply;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
