// A real engine (temporary SQLite file) with an email channel `mail` that sends through a real
// SMTP server on loopback and whose webhook is served over real HTTP, plus helpers to post signed
// inbound mail (JSON or raw MIME) into it.
import {
  createEmailProvider,
  createOperationsHandler,
  createWebhookHandler,
  signWebhookBody,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  type Binding,
  type EmailProviderOptions,
  type InboundRequest,
  type JsonObject,
  type Room,
} from '../../../../runtime/src';
import { openTestEngine, type TestEngine, type TestEngineOptions } from '../../../runtime/support/engine';
import { serveHandlers } from '../../../runtime/support/http';
import { startFakeSmtp, type FakeSmtp } from './smtp';

export const SUPPORT = 'support@example.com';
export const INBOUND_SECRET = 'email-inbound-secret-for-tests';
export const CUSTOMER = 'ada@example.org';

export interface EmailEngine extends TestEngine {
  smtp: FakeSmtp;
  /** Where the engine's webhooks really listen (`/webhook/:channelId`). */
  localUrl: string;
  registerEmail(id?: string, options?: Partial<EmailProviderOptions>, info?: Record<string, unknown>): Promise<void>;
  /** A signed JSON inbound mail straight into `engine.handleWebhook`. */
  inboundJson(body: unknown, channelId?: string): ReturnType<TestEngine['engine']['handleWebhook']>;
  /** A signed raw MIME mail straight into `engine.handleWebhook`. */
  inboundMime(mime: string, channelId?: string): ReturnType<TestEngine['engine']['handleWebhook']>;
}

const closers: (() => Promise<void>)[] = [];

export async function closeEmailServers(): Promise<void> {
  while (closers.length > 0) await closers.pop()!().catch(() => undefined);
}

/** A request signed the way a relay signs (X-Roomwire-Signature over timestamp and body). */
export function signedRequest(body: string | Buffer, contentType: string, secret = INBOUND_SECRET, url = 'http://localhost/webhook/mail'): InboundRequest {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    method: 'POST',
    url,
    headers: {
      'content-type': contentType,
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signWebhookBody(secret, timestamp, rawBody),
    },
    rawBody,
  };
}

export async function openEmailEngine(options: TestEngineOptions = {}): Promise<EmailEngine> {
  const test = await openTestEngine(options);
  const http = await serveHandlers({ webhook: createWebhookHandler(test.engine), operations: createOperationsHandler(test.engine) });
  closers.push(() => http.close());
  const smtp = await startFakeSmtp();
  closers.push(() => smtp.close());
  return Object.assign(test, {
    smtp,
    localUrl: http.url,
    async registerEmail(id = 'mail', extra: Partial<EmailProviderOptions> = {}, info: JsonObject = {}) {
      const provider = createEmailProvider({
        smtp: { host: '127.0.0.1', port: smtp.port, secure: false, timeoutMs: 5000 },
        from: `Acme Support <${SUPPORT}>`,
        inboundSecret: INBOUND_SECRET,
        ...extra,
      });
      await test.engine.registerChannel({ id, type: 'email', provider, info });
    },
    inboundJson(body: unknown, channelId = 'mail') {
      return test.engine.handleWebhook(channelId, signedRequest(JSON.stringify(body), 'application/json'));
    },
    inboundMime(mime: string, channelId = 'mail') {
      return test.engine.handleWebhook(channelId, signedRequest(mime, 'message/rfc822'));
    },
  });
}

export async function roomWith(engine: TestEngine['engine'], bindings: { channelId: string; address: string }[]): Promise<{ room: Room; b: Record<string, Binding> }> {
  const created = await engine.call<{ room: Room; bindings: Binding[] }>('createRoom', { bindings });
  return { room: created.room, b: Object.fromEntries(created.bindings.map((b) => [b.channelId, b])) };
}

export interface Accepted {
  kind: string;
  eventId: string;
  roomId: string;
  duplicate: boolean;
}

export function acceptedOf(result: { body: unknown }): Accepted[] {
  return (result.body as { accepted: Accepted[] }).accepted;
}
