// Twilio's side of the wire for tests: requests signed by the official `twilio` package (never by
// the code under test), and a fake REST API on a local HTTP server that speaks Twilio's wire
// format, checks every request it gets and can call the engine back with signed status callbacks.
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import type { InboundRequest } from '../../../../runtime/src';
import { startLocalServer, type Answer, type LocalServer, type Received } from '../../../runtime/support/http';

export const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;
export const AUTH_TOKEN = 'auth-token-0123456789abcdef-not-real';
export const API_KEY_SID = `SK${'b2'.repeat(16)}`;
export const API_KEY_SECRET = 'api-key-secret-not-real';
export const SERVICE_SID = `MG${'c3'.repeat(16)}`;
export const CONTENT_SID = `HX${'d4'.repeat(16)}`;

export type Params = Record<string, string | string[]>;

export function sid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** A form body as Twilio encodes it: repeated names as repeated fields. */
export function formBody(params: Params): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const one of [value].flat()) form.append(name, one);
  return form.toString();
}

/** The X-Twilio-Signature Twilio would send, computed by the official package. */
export function officialSignature(url: string, params: Params, token = AUTH_TOKEN): string {
  return twilio.getExpectedTwilioSignature(token, url, params);
}

/** A form post as Twilio makes it to `url`, signed for `signedUrl` (the public URL it was configured with). */
export function signedRequest(signedUrl: string, params: Params, options: { url?: string; token?: string; signature?: string | null } = {}): InboundRequest {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'TwilioProxy/1.1' };
  if (options.signature !== null) headers['x-twilio-signature'] = options.signature ?? officialSignature(signedUrl, params, options.token);
  return { method: 'POST', url: options.url ?? signedUrl, headers, rawBody: Buffer.from(formBody(params)) };
}

/** The fields of an incoming SMS webhook, as Twilio documents them. */
export function incomingSms(from: string, to: string, body: string, extra: Params = {}): Params {
  const messageSid = sid('SM');
  return {
    ToCountry: 'US',
    ToState: 'CA',
    SmsMessageSid: messageSid,
    NumMedia: '0',
    ToCity: 'SAN FRANCISCO',
    FromZip: '94105',
    SmsSid: messageSid,
    FromState: 'CA',
    SmsStatus: 'received',
    FromCity: 'SAN FRANCISCO',
    Body: body,
    FromCountry: 'US',
    To: to,
    MessagingServiceSid: SERVICE_SID,
    ToZip: '94105',
    NumSegments: '1',
    MessageSid: messageSid,
    AccountSid: ACCOUNT_SID,
    From: from,
    ApiVersion: '2010-04-01',
    ...extra,
  };
}

export interface WebhookAnswer {
  status: number;
  contentType: string | null;
  text: string;
}

/** A form POST to an engine's webhook over real HTTP, with the given X-Twilio-Signature (null: none). */
export async function postForm(url: string, params: Params, signature: string | null): Promise<WebhookAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (signature !== null) headers['x-twilio-signature'] = signature;
  const response = await fetch(url, { method: 'POST', headers, body: formBody(params) });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

/** A message the fake API accepted: its form fields as decoded, and the SID it answered with. */
export interface SentMessage {
  sid: string;
  fields: Params;
  request: Received;
}

export interface FakeTwilio {
  server: LocalServer;
  /** What to give the provider as `apiBaseUrl`. */
  apiBaseUrl: string;
  messages: SentMessage[];
  /** Requests that broke Twilio's wire rules (wrong path, auth, encoding): tests expect none. */
  violations: string[];
  /** Answers (or faults) given, in order, to the next valid requests instead of creating a message. */
  faults: Answer[];
  /**
   * POSTs a status callback for `message` to its StatusCallback URL, signed as Twilio signs it;
   * `deliverTo` replaces the public base URL with where the engine really listens.
   */
  callback(message: SentMessage, status: string, extra?: Params): Promise<WebhookAnswer>;
}

function decodeFields(body: Buffer): Params {
  const fields: Params = {};
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    const existing = fields[name];
    fields[name] = existing === undefined ? value : [existing, value].flat();
  }
  return fields;
}

/** An error answer in the shape of Twilio's REST API. */
export function twilioErrorAnswer(status: number, code: number, message: string): Answer {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }),
  };
}

/**
 * A fake Twilio REST API. Accepts `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with
 * the expected Basic credentials and a form body, answering 201 with a Message resource; anything
 * else is answered the way Twilio answers it (404, 401, 400) and recorded as a violation.
 */
export async function startFakeTwilio(options: { username?: string; password?: string; publicBaseUrl?: string; deliverTo?: () => string } = {}): Promise<FakeTwilio> {
  const username = options.username ?? ACCOUNT_SID;
  const password = options.password ?? AUTH_TOKEN;
  const messages: SentMessage[] = [];
  const violations: string[] = [];
  const faults: Answer[] = [];
  const server = await startLocalServer((received) => {
    if (received.method !== 'POST' || received.url !== `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`) {
      violations.push(`${received.method} ${received.url}`);
      return twilioErrorAnswer(404, 20404, 'The requested resource was not found');
    }
    const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    if (received.headers.authorization !== expected) {
      violations.push(`authorization ${received.headers.authorization}`);
      return twilioErrorAnswer(401, 20003, 'Authenticate');
    }
    if (received.headers['content-type'] !== 'application/x-www-form-urlencoded') {
      violations.push(`content-type ${received.headers['content-type']}`);
      return twilioErrorAnswer(400, 20001, 'Unsupported content type');
    }
    const fields = decodeFields(received.body);
    const fault = faults.shift();
    if (fault) return fault;
    if (!fields.To || (!fields.From && !fields.MessagingServiceSid) || (!fields.Body && !fields.MediaUrl && !fields.ContentSid)) {
      violations.push(`fields ${JSON.stringify(fields)}`);
      return twilioErrorAnswer(400, 21602, 'Message body is required.');
    }
    const message: SentMessage = { sid: sid(fields.MediaUrl ? 'MM' : 'SM'), fields, request: received };
    messages.push(message);
    return {
      status: 201,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        sid: message.sid,
        account_sid: ACCOUNT_SID,
        to: fields.To,
        from: fields.From ?? null,
        messaging_service_sid: fields.MessagingServiceSid ?? null,
        body: fields.Body ?? '',
        status: 'queued',
        num_media: String([fields.MediaUrl ?? []].flat().length),
        num_segments: '1',
        direction: 'outbound-api',
        api_version: '2010-04-01',
        error_code: null,
        error_message: null,
        uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${message.sid}.json`,
      }),
    };
  });
  return {
    server,
    apiBaseUrl: server.url.replace(/\/$/, ''),
    messages,
    violations,
    faults,
    async callback(message, status, extra = {}) {
      const callbackUrl = message.fields.StatusCallback;
      if (typeof callbackUrl !== 'string') throw new Error('the message has no StatusCallback');
      const params: Params = {
        SmsSid: message.sid,
        SmsStatus: status,
        MessageStatus: status,
        To: message.fields.To as string,
        MessageSid: message.sid,
        AccountSid: ACCOUNT_SID,
        From: (message.fields.From as string | undefined) ?? '+15550009999',
        ApiVersion: '2010-04-01',
        ...extra,
      };
      if (!options.publicBaseUrl || !options.deliverTo) throw new Error('give startFakeTwilio a publicBaseUrl and deliverTo to call back');
      const target = options.deliverTo() + callbackUrl.slice(options.publicBaseUrl.length);
      return postForm(target, params, officialSignature(callbackUrl, params));
    },
  };
}
