// DESIGN.md section 14, "no crash on any input: a fuzz test proves it", for the HTTP entry points
// of a running Node-RED: the webhook endpoint (unsigned and signed channels, unknown channels),
// the REST API (with and without the token: the resource routes, the older operations alias),
// the MCP endpoint, the demo flow's say endpoints, and the webhooks of a Twilio channel (form posts
// unsigned or signed wrongly in every way Twilio checks), a Sinch channel (callbacks unsigned, wrongly
// signed, stale) and an email channel (JSON and raw MIME without the inbound secret). Thousands of
// malformed requests, each made invalid on purpose in one of many ways: every answer is a 4xx
// with a JSON error (naming the field where there is one), never a 5xx; Node-RED keeps running;
// and nothing is stored, as the room, timeline and side effect counts before and after show.
import { listOperations, signWebhookBody } from '@roomwire/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badInbound, badOperationInput, badSaid, random, type Random } from '../support/hostile-requests';
import { ACCOUNT_SID, AUTH_TOKEN, formBody, incomingSms, officialSignature, type Params } from '../providers/twilio/support/twilio';
import { APP_ID, KEY_ID, KEY_SECRET, PROJECT_ID, WEBHOOK_SECRET, callbackHeaders, inboundCallback } from '../providers/sinch/support/sinch';
import { until } from '../support/wait';
import { READ_TOKEN, SECRET, SIGNED_CHANNEL, TOKEN, WRITE_TOKEN, startDemo, type Demo, type FlowNode } from './demo-flow';

const REQUESTS_PER_TARGET = 1500;
/** The resource routes and the MCP endpoint: fewer each, so the whole run stays near a minute. */
const REQUESTS_PER_NEW_TARGET = 500;
const CONCURRENCY = 32;

let demo: Demo;

const TWILIO_CHANNEL = 'fuzz-twilio';
const SINCH_CHANNEL = 'fuzz-sinch';
const EMAIL_CHANNEL = 'fuzz-email';
const EMAIL_SECRET = 'fuzz-email-inbound-secret';

/**
 * A Twilio account and SMS channel, a Sinch app and SMS channel, a mailbox and email channel and a
 * web chat channel beside the demo (their APIs and SMTP server are never reached: nothing valid arrives).
 */
function providerNodes(engineId: string): FlowNode[] {
  return [
    {
      id: 'fuzz-sinch-app',
      type: 'roomwire-sinch',
      projectId: PROJECT_ID,
      appId: APP_ID,
      region: 'us',
      baseUrl: 'http://127.0.0.1:9',
      tokenUrl: 'http://127.0.0.1:9/oauth2/token',
      credentials: { keyId: KEY_ID, keySecret: KEY_SECRET, webhookSecret: WEBHOOK_SECRET },
    },
    { id: 'fuzz-sinch-channel', type: 'roomwire-channel', engine: engineId, channelId: SINCH_CHANNEL, channelType: 'sms', provider: 'sinch', sinch: 'fuzz-sinch-app', sinchChannel: '' },
    { id: 'fuzz-mailbox', type: 'roomwire-email', host: '127.0.0.1', port: 9, secure: false, from: 'Fuzz <support@example.com>', credentials: { inboundSecret: EMAIL_SECRET } },
    { id: 'fuzz-email-channel', type: 'roomwire-channel', engine: engineId, channelId: EMAIL_CHANNEL, channelType: 'email', provider: 'email', email: 'fuzz-mailbox' },
    // Its routes serve the chat page's files, looked up by the name in the URL.
    { id: 'fuzz-chat-channel', type: 'roomwire-channel', engine: engineId, channelId: 'fuzz-chat', channelType: 'webchat', provider: 'webchat' },
    { id: 'fuzz-twilio-account', type: 'roomwire-twilio', apiBaseUrl: 'http://127.0.0.1:9', credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } },
    {
      id: 'fuzz-twilio-channel',
      type: 'roomwire-channel',
      engine: engineId,
      channelId: TWILIO_CHANNEL,
      channelType: 'sms',
      provider: 'twilio',
      twilio: 'fuzz-twilio-account',
      twilioFrom: '+15550109999',
    },
  ];
}

beforeAll(async () => {
  demo = await startDemo({ extraNodes: providerNodes });
});

afterAll(async () => {
  await demo?.nodeRed.stop();
});

interface Attempt {
  target: string;
  path: string;
  body: string | Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
  method?: string;
}

const json = { 'content-type': 'application/json' };

function webhookAttempt(r: Random): Attempt {
  const kind = r.int(10);
  if (kind < 6) return { target: 'webhook', path: 'roomwire/webhook/demo-webhook', body: badInbound(r), headers: json };
  if (kind < 9) {
    // A well-formed message on the signed channel, with a signature that is wrong in some way.
    const body = JSON.stringify({ from: `fuzz-${r.int(1e6)}`, text: 'signed?' });
    const now = Math.floor(Date.now() / 1000);
    const headers = r.pick<Record<string, string>>([
      {},
      { 'x-roomwire-timestamp': String(now) },
      { 'x-roomwire-timestamp': String(now), 'x-roomwire-signature': signWebhookBody('not the secret', now, body) },
      { 'x-roomwire-timestamp': String(now - 3600), 'x-roomwire-signature': signWebhookBody(SECRET, now - 3600, body) },
      { 'x-roomwire-timestamp': 'soon', 'x-roomwire-signature': signWebhookBody(SECRET, now, body) },
      { 'x-roomwire-timestamp': String(now), 'x-roomwire-signature': signWebhookBody(SECRET, now, `${body} `) },
      { 'x-roomwire-timestamp': String(now), 'x-roomwire-signature': `sha256=${r.text(64)}`.replace(/[^\x20-\x7e]/g, '0') },
    ]);
    return { target: 'webhook (signed)', path: `roomwire/webhook/${SIGNED_CHANNEL}`, body, headers: { ...json, ...headers } };
  }
  return { target: 'webhook (unknown channel)', path: `roomwire/webhook/${r.pick(['nope', 'demo-observer', 'x'.repeat(200)])}`, body: badInbound(r), headers: json };
}

/** A form post to the Twilio channel that must fail its X-Twilio-Signature check, in one of many ways. */
function twilioAttempt(r: Random): Attempt {
  const path = `roomwire/webhook/${TWILIO_CHANNEL}`;
  const url = `${demo.nodeRed.httpNodeUrl}${path}`;
  const params: Params = incomingSms(`+1555${r.int(1e7)}`, '+15550109999', r.text(40).replace(/[\ud800-\udfff]/g, '') || 'x');
  if (r.int(3) === 0) params[r.pick(['NumMedia', 'MediaUrl0', 'Latitude', 'ButtonPayload', 'MessageStatus', `Junk${r.int(100)}`])] = String(r.junk()).slice(0, 2000);
  const body = r.int(6) === 0 ? r.text(200) : formBody(params);
  const forged = Buffer.from(r.text(30)).toString('base64').slice(0, 28);
  const headers = r.pick<Record<string, string>>([
    {},
    { 'x-twilio-signature': forged },
    { 'x-twilio-signature': officialSignature(url, params, 'not-the-auth-token') },
    // Signed for another URL than the one called (another host, another channel).
    { 'x-twilio-signature': officialSignature(url.replace('127.0.0.1', 'localhost'), params) },
    { 'x-twilio-signature': officialSignature(url.replace(TWILIO_CHANNEL, 'other'), params) },
    { 'x-twilio-signature': officialSignature(url, params), 'x-twilio-webhooks-signature-settings': 'key=KS1,algorithm=HMAC_SHA512' },
    { 'x-twilio-signature': officialSignature(url, params), 'x-twilio-webhooks-signature-settings': 'key=KS1,algorithm=HMAC_SHA256' },
  ]);
  return { target: 'webhook (twilio)', path, body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } };
}

/** A Sinch callback (well-formed or junk) that must fail its signature check: unsigned, forged, stale or for another secret. */
function sinchAttempt(r: Random): Attempt {
  const body = r.int(4) === 0 ? r.text(300) : JSON.stringify(r.int(3) === 0 ? { ...inboundCallback('SMS', `1555${r.int(1e7)}`, { text_message: { text: 'x' } }), message: r.junk() } : inboundCallback('SMS', `1555${r.int(1e7)}`, { text_message: { text: r.text(40) } }));
  const raw = Buffer.from(body);
  const now = Math.floor(Date.now() / 1000);
  const headers = r.pick<Record<string, string>>([
    callbackHeaders(raw, { signature: null }),
    callbackHeaders(raw, { omit: ['nonce'] }),
    callbackHeaders(raw, { omit: ['timestamp'] }),
    callbackHeaders(raw, { secret: 'not-the-webhook-secret' }),
    callbackHeaders(raw, { timestamp: now - 3600 }),
    callbackHeaders(raw, { signature: Buffer.from(r.text(32)).toString('base64') }),
    { ...callbackHeaders(raw), 'x-sinch-webhook-signature-algorithm': 'HmacSHA1' },
  ]);
  return { target: 'webhook (sinch)', path: `roomwire/webhook/${SINCH_CHANNEL}`, body, headers };
}

/** Inbound mail (JSON or raw MIME, well-formed or junk) without the mailbox's inbound secret. */
function emailAttempt(r: Random): Attempt {
  const mime = r.int(2) === 0;
  const body = mime
    ? `From: ${r.pick(['ada@example.org', r.text(30)])}\r\nTo: support@example.com\r\nSubject: ${r.text(20).replace(/[\r\n]/g, ' ')}\r\nMessage-ID: <${r.int(1e9)}@fuzz>\r\n\r\n${r.text(200)}`
    : r.int(3) === 0
      ? r.text(300)
      : JSON.stringify({ from: r.pick(['ada@example.org', r.junk()]), to: 'support@example.com', subject: r.junk(), text: r.text(80), headers: r.junk() });
  const now = Math.floor(Date.now() / 1000);
  const headers = r.pick<Record<string, string>>([
    {},
    { authorization: `Basic ${Buffer.from('inbound:not-the-secret').toString('base64')}` },
    { authorization: `Basic ${r.text(20).replace(/[^\x20-\x7e]/g, 'x')}` },
    { authorization: `Bearer ${EMAIL_SECRET}` },
    { 'x-roomwire-timestamp': String(now), 'x-roomwire-signature': signWebhookBody('not-the-secret', now, body) },
    { 'x-roomwire-timestamp': String(now - 3600), 'x-roomwire-signature': signWebhookBody(EMAIL_SECRET, now - 3600, body) },
  ]);
  return { target: 'webhook (email)', path: `roomwire/webhook/${EMAIL_CHANNEL}`, body, headers: { 'content-type': mime ? 'message/rfc822' : 'application/json', ...headers } };
}

function restAttempt(r: Random, operations: string[]): Attempt {
  const auth = { ...json, authorization: `Bearer ${TOKEN}` };
  const kind = r.int(10);
  if (kind === 0) {
    const headers = r.pick([json, { ...json, authorization: 'Bearer wrong' }, { ...json, authorization: TOKEN }, { ...json, authorization: `Bearer ${TOKEN}x` }]);
    return { target: 'rest (no token)', path: `roomwire/api/operations/${r.pick(operations)}`, body: '{}', headers };
  }
  if (kind === 1) return { target: 'rest (unknown operation)', path: `roomwire/api/operations/${r.pick(['dropTables', 'createroom', 'x'])}`, body: '{}', headers: auth };
  if (kind === 2) return { target: 'rest (GET)', path: `roomwire/api/operations/${r.pick(operations)}`, body: '', headers: auth, method: 'GET' };
  const operation = r.pick(operations);
  const body = badOperationInput(r);
  return { target: 'rest', path: `roomwire/api/operations/${operation}`, body, headers: auth };
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** A resource route of the REST API, wrong in its path, query, body, method, token or Idempotency-Key. */
function resourceAttempt(r: Random): Attempt {
  const op = r.pick(listOperations());
  const id = () => r.pick(['demo', encodeURIComponent(r.text(20) || 'x'), 'no-such-id', 'x'.repeat(200), '..', '%2F']);
  const path = op.api!.http.path.replace(/\{[^}]+\}/g, id);
  const token = r.int(10) === 0 ? r.pick([null, 'wrong-token', READ_TOKEN]) : WRITE_TOKEN;
  const headers: Record<string, string> = { ...json, ...(token ? { authorization: `Bearer ${token}` } : {}) };
  if (r.int(4) === 0) headers['idempotency-key'] = r.pick(['', ' spaced key ', 'k'.repeat(300), `key-${r.int(1e6)}`]);
  const method = r.int(8) === 0 ? r.pick(METHODS) : op.api!.http.method;
  if (method === 'GET' || method === 'DELETE') {
    // A field the operation does not know, or one of its own with a value of the wrong type.
    const query = r.pick([`unknown_${r.int(1e6)}=${encodeURIComponent(r.text(10))}`, 'limit=-1', 'limit=many&limit=2', 'after=x', 'states=nope', 'audit=maybe']);
    return { target: 'rest resources', path: `roomwire/api${path}?${query}`, body: '', headers, method };
  }
  return { target: 'rest resources', path: `roomwire/api${path}`, body: badOperationInput(r), headers, method };
}

/** The MCP endpoint: no token, no session, unknown sessions, broken JSON-RPC. */
function mcpAttempt(r: Random): Attempt {
  const token = r.int(3) === 0 ? r.pick([null, 'wrong-token']) : WRITE_TOKEN;
  const headers: Record<string, string> = { ...json, accept: 'application/json, text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  if (r.int(2) === 0) headers['mcp-session-id'] = r.pick(['nope', r.text(10).replace(/[^\x21-\x7e]/g, 'x') || 'x']);
  const body = r.pick<() => string>([
    () => badOperationInput(r),
    () => JSON.stringify({ jsonrpc: '2.0', id: r.int(100), method: r.pick(['tools/call', 'resources/read', 'tools/list']), params: { name: 'send_message', arguments: r.junk() } }),
    () => JSON.stringify({ jsonrpc: '1.0', method: 'initialize' }),
    () => `{"jsonrpc": "2.0", ${r.text(20)}`,
  ])();
  return { target: 'mcp', path: 'roomwire/mcp', body, headers, method: r.pick(['POST', 'POST', 'POST', 'GET', 'DELETE']) };
}

function sayAttempt(r: Random): Attempt {
  const path = `demo/say/${r.pick(['alice', 'bob'])}`;
  const body = badSaid(r);
  return { target: 'demo say', path, body, headers: json };
}

interface Outcome {
  attempt: Attempt;
  seed: number;
  status: number;
  body: unknown;
}

async function fire(attempt: Attempt, seed: number): Promise<Outcome> {
  const res = await fetch(`${demo.nodeRed.httpNodeUrl}${attempt.path}`, {
    method: attempt.method ?? 'POST',
    headers: attempt.headers,
    body: attempt.method === 'GET' || attempt.method === 'DELETE' ? undefined : attempt.body,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: reported by the assertion below.
  }
  return { attempt, seed, status: res.status, body };
}

async function runAll(attempts: (() => Attempt)[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < attempts.length) {
      const seed = next++;
      outcomes.push(await fire(attempts[seed]!(), seed));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return outcomes;
}

/** What is stored: rooms, every room's timeline with blocked events (audit), and side effects. */
async function storedCounts(): Promise<Record<string, number>> {
  const { body } = await demo.api('listRooms', { states: ['active', 'paused', 'closed', 'archived'], limit: 1000 });
  const counts: Record<string, number> = { rooms: body.rooms.length };
  for (const room of body.rooms as { id: string }[]) {
    counts[`events:${room.id}`] = (await demo.api('getTimeline', { roomId: room.id, audit: true, limit: 1000 })).body.events.length;
    counts[`sideEffects:${room.id}`] = (await demo.api('listSideEffects', { roomId: room.id })).body.sideEffects.length;
  }
  return counts;
}

/** Why an answer breaks the contract, or null when it keeps it. */
function violation(outcome: Outcome): string | null {
  if (outcome.status < 400 || outcome.status >= 500) return `status ${outcome.status}`;
  // The MCP endpoint answers protocol errors in JSON-RPC's own shape (a numeric code).
  if (outcome.attempt.target === 'mcp') return typeof outcome.body === 'object' && outcome.body !== null ? null : 'no JSON body';
  const error = (outcome.body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | null)?.error;
  if (!error || typeof error.code !== 'string' || typeof error.message !== 'string') return 'no JSON error';
  const namesField = error.code === 'invalid_input' || error.code === 'payload_too_large';
  if (namesField && (typeof error.field !== 'string' || error.field === '' || !error.message.includes(error.field))) return 'no field named';
  return null;
}

describe('HTTP entry points under malformed input', () => {
  // Longer than the e2e default: a few thousand requests on a shared 2-core machine.
  it('answer every request with a 4xx JSON error, never a 5xx, store nothing and keep running', { timeout: 240_000 }, async () => {
    const listed = await fetch(`${demo.nodeRed.httpNodeUrl}roomwire/api/operations`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const operations = ((await listed.json()) as { operations: { name: string }[] }).operations.map((o) => o.name);
    // Listings read committed rows, which may trail the writes the example made at start: count
    // once they list room demo and stand still.
    let last = '';
    const before = await until(async () => {
      const counts = await storedCounts();
      const same = JSON.stringify(counts) === last;
      last = JSON.stringify(counts);
      return counts['events:demo'] !== undefined && same && counts;
    }, 'the stored counts to settle');

    const attempts: (() => Attempt)[] = [];
    for (let i = 0; i < REQUESTS_PER_TARGET; i++) {
      const seed = attempts.length;
      attempts.push(() => webhookAttempt(random(seed + 1)));
      attempts.push(() => restAttempt(random(seed + 2), operations));
      attempts.push(() => sayAttempt(random(seed + 3)));
      if (i % 3 === 0) attempts.push(() => twilioAttempt(random(seed + 6)));
      if (i % 3 === 1) attempts.push(() => sinchAttempt(random(seed + 7)));
      if (i % 3 === 2) attempts.push(() => emailAttempt(random(seed + 8)));
      if (i < REQUESTS_PER_NEW_TARGET) {
        attempts.push(() => resourceAttempt(random(seed + 4)));
        attempts.push(() => mcpAttempt(random(seed + 5)));
      }
    }
    const outcomes = await runAll(attempts);

    const broken = outcomes
      .map((outcome) => ({ outcome, why: violation(outcome) }))
      .filter((entry) => entry.why !== null)
      .slice(0, 5)
      .map(({ outcome, why }) => `${why} from ${outcome.attempt.target} (seed ${outcome.seed}): ${outcome.status} ${JSON.stringify(outcome.body).slice(0, 300)}`);
    expect(broken).toEqual([]);
    expect(outcomes).toHaveLength(attempts.length);
    // The generator reached every entry point and every kind of refusal.
    expect(new Set(outcomes.map((o) => o.attempt.target)).size).toBe(13);
    for (const provider of ['twilio', 'sinch', 'email']) {
      const refused = outcomes.filter((o) => o.attempt.target === `webhook (${provider})`);
      expect([...new Set(refused.map((o) => o.status))].sort(), provider).toEqual([401, 403]);
    }
    expect([...new Set(outcomes.map((o) => o.status))].sort()).toEqual([400, 401, 403, 404, 405, 413]);

    expect(await storedCounts()).toEqual(before);
    // Still serving: a valid message goes through.
    expect((await demo.post('demo/say/alice', { text: 'still here' })).status).toBe(200);
    // And the Twilio channel stores what Twilio really signs: the refusals were the signatures' doing.
    const genuine = incomingSms('+15550100009', '+15550109999', 'a real one');
    const url = `${demo.nodeRed.httpNodeUrl}roomwire/webhook/${TWILIO_CHANNEL}`;
    const signed = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': officialSignature(url, genuine) },
      body: formBody(genuine),
    });
    expect(signed.status).toBe(200);
    await until(async () => (await storedCounts()).rooms === before.rooms! + 1, "the genuine message's room");
    // So do the Sinch and email channels, for what their senders really sign.
    const callback = Buffer.from(JSON.stringify(inboundCallback('SMS', '15550100010', { text_message: { text: 'a real one' } })));
    const sinch = await fetch(`${demo.nodeRed.httpNodeUrl}roomwire/webhook/${SINCH_CHANNEL}`, { method: 'POST', headers: callbackHeaders(callback), body: callback });
    expect(sinch.status).toBe(200);
    const mail = JSON.stringify({ from: 'ada@example.org', to: 'support@example.com', subject: 'real', text: 'a real one', headers: { 'Message-ID': '<real@fuzz>' } });
    const email = await fetch(`${demo.nodeRed.httpNodeUrl}roomwire/webhook/${EMAIL_CHANNEL}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`inbound:${EMAIL_SECRET}`).toString('base64')}` },
      body: mail,
    });
    expect(email.status).toBe(200);
    await until(async () => (await storedCounts()).rooms === before.rooms! + 3, 'the genuine Sinch and email rooms');
    expect(demo.nodeRed.logs()).not.toMatch(/\[error\]|Unhandled|uncaught/i);
  });
});

describe('HTTP entry points under hostile paths', () => {
  it('a path naming an inherited property or holding an escape is answered as a path: a 4xx, each segment decoded once', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${demo.nodeRed.httpNodeUrl}${path}`, { headers });
      return { path, status: res.status, body: await res.text() };
    };
    const answers = [
      // The chat page's files and the API docs' assets are looked up by the name in the URL.
      ...(await Promise.all(['constructor', '__proto__', 'toString', 'hasOwnProperty'].map((name) => get(`roomwire/${name}`)))),
      ...(await Promise.all(['constructor', '__proto__', 'valueOf'].map((name) => get(`roomwire/api/docs/${name}`)))),
      // REST and the inbox decode each segment of the path below their route once.
      await get('roomwire/api/rooms/%E0', auth),
      await get('roomwire/inbox/api/rooms/%E0'),
      await get('roomwire/inbox/api/rooms/%25E0'),
    ];
    expect(answers.filter((a) => a.status < 400 || a.status >= 500 || a.body.includes('    at '))).toEqual([]);
    // `%25E0` is the room id `%E0` (refused for its `%`, as no id has one), not a malformed escape:
    // decoded once, not twice.
    const once = await get('roomwire/api/rooms/%25E0', auth);
    expect({ status: once.status, field: JSON.parse(once.body).error.field }).toEqual({ status: 400, field: 'roomId' });
    // The same routes still serve what they name.
    expect((await get('roomwire/chat.css')).status).toBe(200);
    expect((await get('roomwire/api/docs/init.js')).status).toBe(200);
    expect(demo.nodeRed.logs()).not.toMatch(/\[error\]|Unhandled|uncaught/i);
  });
});
