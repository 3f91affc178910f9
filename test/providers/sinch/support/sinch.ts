// Sinch's side of the wire for tests: callbacks signed here with node:crypto over the exact bytes
// sent (never by the code under test), and a fake Conversation API on a local HTTP server (the
// OAuth2 token endpoint, messages:send and GET contacts) that checks every request it gets: path, auth header,
// encoding and JSON fields. It can post signed delivery reports back to the engine.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { InboundRequest } from '../../../../runtime/src';
import { startLocalServer, type Answer, type LocalServer, type Received } from '../../../runtime/support/http';

export const PROJECT_ID = 'c36f3d3d-1513-4edd-ae42-11995557ff61';
export const APP_ID = '01EB37HMH1M6SV18ASNS3G135H';
export const KEY_ID = 'b8f6a0c2-key-id-not-real';
export const KEY_SECRET = 'key-secret-not-real';
export const WEBHOOK_SECRET = 'webhook-secret-not-real';

/** A Sinch-style id (26 characters of Crockford base32, like a ULID). */
export function sinchId(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return [...randomBytes(26)].map((byte) => alphabet[byte % 32]).join('');
}

/** base64(HMAC-SHA256(secret, body + "." + nonce + "." + timestamp)), written out independently. */
export function signCallback(secret: string, body: Buffer, nonce: string, timestamp: string): string {
  return createHmac('sha256', secret).update(Buffer.concat([body, Buffer.from(`.${nonce}.${timestamp}`)])).digest('base64');
}

export interface SignOptions {
  secret?: string;
  nonce?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Replaces the computed signature; null leaves the header out. */
  signature?: string | null;
  omit?: ('nonce' | 'timestamp')[];
}

/** Headers Sinch sends with a callback whose body is `raw`. */
export function callbackHeaders(raw: Buffer, options: SignOptions = {}): Record<string, string> {
  const nonce = options.nonce ?? randomUUID();
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
  };
  if (!options.omit?.includes('nonce')) headers['x-sinch-webhook-signature-nonce'] = nonce;
  if (!options.omit?.includes('timestamp')) headers['x-sinch-webhook-signature-timestamp'] = timestamp;
  if (options.signature !== null) headers['x-sinch-webhook-signature'] = options.signature ?? signCallback(options.secret ?? WEBHOOK_SECRET, raw, nonce, timestamp);
  return headers;
}

/** A signed callback as `engine.handleWebhook` receives it. */
export function signedCallback(body: unknown, options: SignOptions & { raw?: string } = {}): InboundRequest {
  const raw = Buffer.from(options.raw ?? JSON.stringify(body));
  return { method: 'POST', url: 'https://rooms.example.test/webhook/sinch', headers: callbackHeaders(raw, options), rawBody: raw };
}

export interface WebhookAnswer {
  status: number;
  json: Record<string, unknown>;
}

/** POSTs a callback over real HTTP with the given headers. */
export async function postCallback(url: string, raw: Buffer<ArrayBuffer>, headers: Record<string, string>): Promise<WebhookAnswer> {
  const response = await fetch(url, { method: 'POST', headers, body: raw });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A MESSAGE_INBOUND callback, as Sinch documents it. */
export function inboundCallback(channel: string, identity: string, contactMessage: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const id = sinchId();
  return {
    app_id: APP_ID,
    accepted_time: new Date().toISOString(),
    event_time: new Date().toISOString(),
    project_id: PROJECT_ID,
    message: {
      id,
      direction: 'TO_APP',
      contact_message: contactMessage,
      channel_identity: { channel, identity, app_id: '' },
      conversation_id: sinchId(),
      contact_id: sinchId(),
      metadata: '',
      accept_time: new Date().toISOString(),
      sender_id: '',
      processing_mode: 'CONVERSATION',
      injected: false,
    },
    message_metadata: '',
    correlation_id: '',
    ...extra,
  };
}

/** A MESSAGE_DELIVERY callback for a message the fake API accepted. */
export function deliveryReport(sent: SentMessage, status: string, reason?: Record<string, unknown>, channel?: string): Record<string, unknown> {
  const identities = (sent.body.recipient as { identified_by: { channel_identities: { channel: string; identity: string }[] } }).identified_by.channel_identities;
  const identity = channel ? identities.find((i) => i.channel === channel) ?? identities[0]! : identities[0]!;
  return {
    app_id: APP_ID,
    accepted_time: new Date().toISOString(),
    event_time: new Date().toISOString(),
    project_id: PROJECT_ID,
    message_delivery_report: {
      message_id: sent.messageId,
      conversation_id: sinchId(),
      status,
      channel_identity: { channel: channel ?? identity.channel, identity: identity.identity, app_id: '' },
      contact_id: sinchId(),
      ...(reason ? { reason } : {}),
      metadata: sent.body.message_metadata ?? '',
      processing_mode: 'CONVERSATION',
    },
    message_metadata: sent.body.message_metadata ?? '',
    correlation_id: sent.body.correlation_id ?? '',
  };
}

/** A message the fake API accepted: the JSON body as decoded and the message id it answered. */
export interface SentMessage {
  messageId: string;
  body: Record<string, unknown>;
  request: Received;
}

export interface FakeSinch {
  server: LocalServer;
  /** What to give the provider as `baseUrl` and `tokenUrl`. */
  baseUrl: string;
  tokenUrl: string;
  messages: SentMessage[];
  /** Token requests answered with a token, in order. */
  tokensIssued: string[];
  /** Requests that broke Sinch's wire rules: tests expect none. */
  violations: string[];
  /** Answers (or faults) given, in order, to the next valid messages:send requests; null: answer normally. */
  faults: (Answer | null)[];
  /** Answers given, in order, to the next valid token requests. */
  tokenFaults: Answer[];
  /** Contacts the API knows, by contact id (GET .../contacts/{id} answers them; others are 404). */
  contacts: Map<string, Record<string, unknown>>;
  /** GET .../contacts/{id} requests with a valid token, in order. */
  contactLookups: Received[];
  /** Answers given, in order, to the next valid contact lookups. */
  contactFaults: Answer[];
  /** Makes every token issued so far invalid (as when Sinch revokes or expires them). */
  revokeTokens(): void;
  /** Signs and POSTs a callback to `url` (the engine's webhook for a channel). */
  callback(url: string, body: Record<string, unknown>, options?: SignOptions): Promise<WebhookAnswer>;
}

const MESSAGE_TYPES = ['text_message', 'media_message', 'choice_message', 'card_message', 'carousel_message', 'list_message', 'location_message', 'template_message', 'contact_info_message'];
const SINCH_CHANNELS = ['SMS', 'MMS', 'WHATSAPP', 'RCS', 'MESSENGER', 'TELEGRAM', 'VIBER', 'VIBERBM', 'INSTAGRAM', 'LINE', 'KAKAOTALK', 'WECHAT', 'APPLEBC'];

export function sinchErrorAnswer(status: number, reason: string, message: string): Answer {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: status, message, status: reason, details: [] } }) };
}

/** Wire rules of messages:send (Sinch's API reference): each broken rule is a violation. */
function checkSend(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (body.app_id !== APP_ID) problems.push(`app_id ${JSON.stringify(body.app_id)}`);
  const identities = (body.recipient as { identified_by?: { channel_identities?: unknown } } | undefined)?.identified_by?.channel_identities;
  if (!Array.isArray(identities) || identities.length === 0) problems.push('recipient.identified_by.channel_identities missing');
  else {
    for (const identity of identities as { channel?: unknown; identity?: unknown }[]) {
      if (!SINCH_CHANNELS.includes(String(identity.channel))) problems.push(`channel ${JSON.stringify(identity.channel)}`);
      if (typeof identity.identity !== 'string' || identity.identity === '') problems.push('identity missing');
    }
  }
  const message = body.message as Record<string, unknown> | undefined;
  const kinds = Object.keys(message ?? {}).filter((key) => MESSAGE_TYPES.includes(key));
  if (kinds.length !== 1 || Object.keys(message ?? {}).length !== 1) problems.push(`message ${JSON.stringify(Object.keys(message ?? {}))}`);
  if (body.message_metadata !== undefined && (typeof body.message_metadata !== 'string' || body.message_metadata.length > 1024)) problems.push('message_metadata');
  if (body.correlation_id !== undefined && (typeof body.correlation_id !== 'string' || body.correlation_id.length > 128)) problems.push('correlation_id');
  if (body.channel_priority_order !== undefined) {
    const order = body.channel_priority_order as unknown[];
    const named = (identities as { channel: string }[] | undefined)?.map((i) => i.channel) ?? [];
    if (!Array.isArray(order) || order.some((c) => !named.includes(String(c)))) problems.push(`channel_priority_order ${JSON.stringify(order)}`);
  }
  const allowed = ['app_id', 'recipient', 'message', 'channel_priority_order', 'message_metadata', 'correlation_id', 'callback_url', 'ttl', 'channel_properties', 'processing_strategy'];
  for (const key of Object.keys(body)) if (!allowed.includes(key)) problems.push(`unknown field ${key}`);
  return problems;
}

/**
 * A fake Conversation API: `POST /oauth2/token` (Basic auth with the access key, form body
 * `grant_type=client_credentials`), `POST /v1/projects/{project}/messages:send` (Bearer token
 * it issued, JSON) and `GET /v1/projects/{project}/contacts/{contact}` (Bearer). Anything else is answered as Sinch answers it and recorded as a violation.
 */
export async function startFakeSinch(options: { expiresIn?: number } = {}): Promise<FakeSinch> {
  const messages: SentMessage[] = [];
  const tokensIssued: string[] = [];
  const valid = new Set<string>();
  const violations: string[] = [];
  const faults: (Answer | null)[] = [];
  const tokenFaults: Answer[] = [];
  const contacts = new Map<string, Record<string, unknown>>();
  const contactLookups: Received[] = [];
  const contactFaults: Answer[] = [];
  const json = (status: number, body: unknown): Answer => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const server = await startLocalServer((received) => {
    if (received.method === 'POST' && received.url === '/oauth2/token') {
      const basic = `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`;
      if (received.headers.authorization !== basic) {
        violations.push(`token authorization ${received.headers.authorization}`);
        return json(401, { error: 'invalid_client' });
      }
      if (received.headers['content-type'] !== 'application/x-www-form-urlencoded' || received.body.toString() !== 'grant_type=client_credentials') {
        violations.push(`token request ${received.headers['content-type']} ${received.body.toString()}`);
        return json(400, { error: 'invalid_request' });
      }
      const fault = tokenFaults.shift();
      if (fault) return fault;
      const token = `tok-${tokensIssued.length + 1}-${randomBytes(8).toString('hex')}`;
      tokensIssued.push(token);
      valid.add(token);
      return json(200, { access_token: token, expires_in: options.expiresIn ?? 3599, scope: '', token_type: 'bearer' });
    }
    const contact = /^\/v1\/projects\/([^/]+)\/contacts\/([^/?]+)$/.exec(received.url);
    if (received.method === 'GET' && contact && contact[1] === PROJECT_ID) {
      const bearer = /^Bearer (.+)$/.exec(String(received.headers.authorization ?? ''))?.[1];
      if (!bearer || !valid.has(bearer)) return sinchErrorAnswer(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
      if (received.body.length > 0) violations.push('contact lookup with a body');
      contactLookups.push(received);
      const fault = contactFaults.shift();
      if (fault) return fault;
      const found = contacts.get(decodeURIComponent(contact[2]!));
      return found ? json(200, { id: contact[2], channel_identities: [], channel_priority: [], metadata: '', ...found }) : sinchErrorAnswer(404, 'NOT_FOUND', 'Contact not found');
    }
    if (received.method !== 'POST' || received.url !== `/v1/projects/${PROJECT_ID}/messages:send`) {
      violations.push(`${received.method} ${received.url}`);
      return sinchErrorAnswer(404, 'NOT_FOUND', 'Not found');
    }
    const bearer = /^Bearer (.+)$/.exec(String(received.headers.authorization ?? ''))?.[1];
    if (!bearer || !valid.has(bearer)) {
      // Not a violation by itself: a token may expire between issue and use.
      return sinchErrorAnswer(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    }
    if (received.headers['content-type'] !== 'application/json') {
      violations.push(`content-type ${received.headers['content-type']}`);
      return sinchErrorAnswer(400, 'INVALID_ARGUMENT', 'Unsupported content type');
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(received.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      violations.push('body is not JSON');
      return sinchErrorAnswer(400, 'INVALID_ARGUMENT', 'Invalid JSON');
    }
    const problems = checkSend(body);
    if (problems.length > 0) {
      violations.push(...problems);
      return sinchErrorAnswer(400, 'INVALID_ARGUMENT', problems.join('; '));
    }
    const fault = faults.shift();
    if (fault) return fault;
    const message: SentMessage = { messageId: sinchId(), body, request: received };
    messages.push(message);
    return json(200, { accepted_time: new Date().toISOString(), message_id: message.messageId });
  });
  const base = server.url.replace(/\/$/, '');
  return {
    server,
    baseUrl: base,
    tokenUrl: `${base}/oauth2/token`,
    messages,
    tokensIssued,
    violations,
    faults,
    tokenFaults,
    contacts,
    contactLookups,
    contactFaults,
    revokeTokens: () => valid.clear(),
    async callback(url, body, signOptions = {}) {
      const raw = Buffer.from(JSON.stringify(body));
      return postCallback(url, raw, callbackHeaders(raw, signOptions));
    },
  };
}
