// The "SMS and WhatsApp support" example on a real Node-RED, against a local server that speaks
// Twilio's REST API and checks every request (test/providers/twilio/support/twilio.ts). As
// imported, with no account, it deploys and its Twilio and email channels say "not configured"; with an
// account (as a user fills it in the editor) a signed SMS lands in a room, the reply goes out
// through Messages.json with a StatusCallback at the engine's public URL, status callbacks are
// tracked, and a WhatsApp reply falls back to SMS when Twilio reports it undelivered or when no
// receipt arrives in time. Its email channel (a real SMTP server on loopback) takes a signed inbound
// mail into the customer's SMS room once their email address is linked to them, and an agent
// signed in to the inbox sees that room.
import { signWebhookBody } from '@roomwire/runtime';
import bcrypt from 'bcryptjs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  incomingSms,
  officialSignature,
  postForm,
  startFakeTwilio,
  type FakeTwilio,
  type Params,
  type SentMessage,
} from '../providers/twilio/support/twilio';
import { startFakeSmtp, type FakeSmtp } from '../providers/email/support/smtp';
import { deployFlows, startNodeRed, type NodeRed } from '../support/node-red';
import { until } from '../support/wait';

const FLOW_FILE = fileURLToPath(new URL('../../flows/sms-whatsapp-support.json', import.meta.url));
const PUBLIC_URL = 'https://support.example.test';
const TOKEN = 'support-e2e-token';
const TWILIO_NUMBER = '+15550109999';
const PREFIX = 'roomwire-support';
const INBOUND_SECRET = 'support-e2e-inbound-secret';
const AGENT = { user: 'ana', password: 'ana-e2e-password' };

interface FlowNode {
  id: string;
  type: string;
  [key: string]: unknown;
}

let example: FlowNode[];
let nodeRed: NodeRed;
let twilio: FakeTwilio;
let smtp: FakeSmtp;
let startLogs = '';

/** Twilio is configured with the public URL (settings.js: httpNodeRoot /api). */
const publicWebhook = (channelId: string) => `${PUBLIC_URL}/api/${PREFIX}/webhook/${channelId}`;
const localWebhook = (channelId: string) => `${nodeRed.httpNodeUrl}${PREFIX}/webhook/${channelId}`;

beforeAll(async () => {
  example = JSON.parse(await readFile(FLOW_FILE, 'utf8')) as FlowNode[];
  smtp = await startFakeSmtp();
  twilio = await startFakeTwilio({ publicBaseUrl: `${PUBLIC_URL}/api`, deliverTo: () => nodeRed.httpNodeUrl.replace(/\/$/, '') });
  // As imported: no account, no numbers.
  nodeRed = await startNodeRed({ flows: example });
  startLogs = nodeRed.logs();
});

afterAll(async () => {
  await nodeRed?.stop();
  await twilio?.server.close();
  await smtp?.close();
});

async function api(operation: string, input: unknown): Promise<any> {
  const res = await fetch(`${nodeRed.httpNodeUrl}${PREFIX}/api/operations/${operation}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${operation}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** What a customer's message does: Twilio posts it to the channel's webhook, signed for the public URL. */
function customerWrites(channelId: string, params: Params, signature = officialSignature(publicWebhook(channelId), params)) {
  return postForm(localWebhook(channelId), params, signature);
}

async function roomOf(channelId: string, address: string): Promise<{ id: string; bindings: { id: string; channelId: string; address: string; fallback: unknown }[] }> {
  return until(async () => {
    const { rooms } = await api('listRooms', { limit: 100 });
    for (const room of rooms as { id: string }[]) {
      const found = await api('getRoom', { roomId: room.id });
      if (found.bindings.some((b: { channelId: string; address: string }) => b.channelId === channelId && b.address === address)) return { id: room.id, bindings: found.bindings };
    }
    return undefined;
  }, `the room of ${address} on ${channelId}`);
}

async function reply(roomId: string, text: string): Promise<string> {
  const res = await fetch(`${nodeRed.httpNodeUrl}support/reply`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ roomId, text }),
  });
  const body = (await res.json()) as { eventId: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.eventId;
}

/** An inbound mail as an inbound-parse service posts it to the email channel, signed with its secret. */
function signedMail(mail: Record<string, unknown>): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(mail);
  const timestamp = Math.floor(Date.now() / 1000);
  return { body, headers: { 'content-type': 'application/json', 'x-roomwire-timestamp': String(timestamp), 'x-roomwire-signature': signWebhookBody(INBOUND_SECRET, timestamp, body) } };
}

async function postMail(mail: { body: string; headers: Record<string, string> }): Promise<{ status: number; body: any }> {
  const res = await fetch(localWebhook('support-email'), { method: 'POST', headers: mail.headers, body: mail.body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function deliveries(eventId: string): Promise<{ id: string; channelId: string; status: string; fallbackOf: string | null; providerMessageId: string | null; error: { code: string } | null }[]> {
  return (await api('getDeliveries', { eventId })).deliveries;
}

async function sentTo(to: string, count = 1): Promise<SentMessage> {
  return until(() => twilio.messages.filter((m) => m.fields.To === to)[count - 1], `message ${count} to ${to} at Twilio`);
}

/** The example as a user configures it: the account, the numbers, and (for the test) a short fallback timeout. */
function configured(): FlowNode[] {
  return example.map((node) => {
    // (ROOMWIRE_PUBLIC_URL would do too, but under `npm start` it also turns the editor's login on.)
    if (node.type === 'roomwire-engine') {
      const agent = { agentUser1: AGENT.user, agentPassword1: bcrypt.hashSync(AGENT.password, 4) };
      return { ...node, publicUrl: PUBLIC_URL, credentials: { apiToken: TOKEN, ...agent } };
    }
    if (node.type === 'roomwire-email') {
      return { ...node, host: '127.0.0.1', port: smtp.port, from: 'Acme Support <support@example.com>', credentials: { inboundSecret: INBOUND_SECRET } };
    }
    if (node.type === 'roomwire-twilio') return { ...node, apiBaseUrl: twilio.apiBaseUrl, credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } };
    if (node.type === 'roomwire-channel' && node.provider === 'twilio') return { ...node, twilioFrom: TWILIO_NUMBER };
    if (node.type === 'roomwire-fallback') return { ...node, after: 'PT2S' };
    return node;
  });
}

describe('the SMS and WhatsApp support example, as imported (no Twilio account)', () => {
  it('deploys and keeps running; each Twilio channel and the email channel say they are not configured and what is missing', async () => {
    for (const channel of ['support-sms', 'support-whatsapp']) {
      expect(startLogs).toMatch(new RegExp(`\\[warn\\].*channel ${channel} is not started: its twilio provider is not configured \\(missing accountSid, authToken\\)`));
    }
    expect(startLogs).toMatch(/\[warn\].*channel support-email is not started: its email provider is not configured \(missing .*smtp\.host/);
    expect(startLogs).not.toMatch(/\[error\]|Unhandled|uncaught/i);
    expect(nodeRed.running()).toBe(true);
  });

  it('answers Twilio with 404 (no such channel) instead of failing, and stores nothing', async () => {
    const params = incomingSms('+15550100001', TWILIO_NUMBER, 'anyone there?');
    const answer = await customerWrites('support-sms', params);
    expect(answer.status).toBe(404);
    const mail = signedMail({ from: 'anyone@example.org', text: 'anyone there?' });
    expect((await postMail(mail)).status).toBe(404);
    expect(nodeRed.running()).toBe(true);
  });
});

describe('the SMS and WhatsApp support example with a Twilio account', () => {
  beforeAll(async () => {
    await deployFlows(nodeRed, configured());
  });

  it('takes a signed inbound SMS into a room, replies through Messages.json with a StatusCallback, and tracks every status', async () => {
    const customer = '+15550100002';
    const inbound = incomingSms(customer, TWILIO_NUMBER, 'my order is late');
    const answer = await customerWrites('support-sms', inbound);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/text\/xml/);
    expect(answer.text).toContain('<Response/>');
    const room = await roomOf('support-sms', customer);
    const { events } = await api('getTimeline', { roomId: room.id });
    expect(events.find((e: { type: string }) => e.type === 'message')).toMatchObject({ content: { type: 'text', text: 'my order is late' } });

    const eventId = await reply(room.id, 'Sorry! Checking now.');
    const sent = await sentTo(customer);
    const [delivery] = (await deliveries(eventId)).filter((d) => d.channelId === 'support-sms');
    expect(sent.fields).toEqual({
      To: customer,
      From: TWILIO_NUMBER,
      Body: 'Sorry! Checking now.',
      StatusCallback: `${publicWebhook('support-sms')}?deliveryId=${delivery!.id}`,
    });
    expect(sent.request.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);

    // Twilio's callbacks, signed, in the order they may arrive: a late "sent" never moves it back.
    for (const status of ['queued', 'sent', 'delivered', 'sent']) expect((await twilio.callback(sent, status)).status).toBe(200);
    expect((await deliveries(eventId)).find((d) => d.id === delivery!.id)).toMatchObject({ status: 'delivered', providerMessageId: sent.sid });
    expect(twilio.violations).toEqual([]);
  });

  it('refuses unsigned (401) and wrongly signed (403) webhooks, storing nothing', async () => {
    const customer = '+15550100003';
    const params = incomingSms(customer, TWILIO_NUMBER, 'forged');
    expect((await customerWrites('support-sms', params, null as unknown as string)).status).toBe(401);
    expect((await customerWrites('support-sms', params, officialSignature(publicWebhook('support-sms'), params, 'not-the-token'))).status).toBe(403);
    // Signed for the local URL, not the public one Twilio is configured with.
    expect((await customerWrites('support-sms', params, officialSignature(localWebhook('support-sms'), params))).status).toBe(403);
    const { rooms } = await api('listRooms', { limit: 100 });
    for (const room of rooms as { id: string }[]) {
      expect((await api('getRoom', { roomId: room.id })).bindings.map((b: { address: string }) => b.address)).not.toContain(customer);
    }
    // The same request, rightly signed, is stored: the refusals above were the signature's doing.
    expect((await customerWrites('support-sms', params)).status).toBe(200);
    await roomOf('support-sms', customer);
  });

  it('sends a WhatsApp reply again by SMS when Twilio reports it undelivered outside the window (63016)', async () => {
    const number = '+15550100004';
    await customerWrites('support-whatsapp', incomingSms(`whatsapp:${number}`, `whatsapp:${TWILIO_NUMBER}`, 'hola', { ProfileName: 'Ana' }));
    const room = await roomOf('support-whatsapp', number);
    // The example's fallback node sets the policy when the customer writes on WhatsApp.
    await until(async () => (await roomOf('support-whatsapp', number)).bindings.find((b) => b.channelId === 'support-whatsapp')?.fallback, 'the fallback policy');

    const eventId = await reply(room.id, 'Your table is ready');
    const whatsapp = await sentTo(`whatsapp:${number}`);
    expect(whatsapp.fields).toMatchObject({ From: `whatsapp:${TWILIO_NUMBER}`, Body: 'Your table is ready' });
    await twilio.callback(whatsapp, 'undelivered', { ErrorCode: '63016' });

    const sms = await sentTo(number);
    expect(sms.fields).toMatchObject({ From: TWILIO_NUMBER, Body: 'Your table is ready' });
    // Twilio has answered the send; the engine stores the message sid it answered with just after.
    const chain = await until(async () => {
      const rows = await deliveries(eventId);
      return rows.some((d) => d.channelId === 'support-sms' && d.providerMessageId) && rows;
    }, "the SMS delivery to record Twilio's message sid");
    const first = chain.find((d) => d.channelId === 'support-whatsapp')!;
    const fallback = chain.find((d) => d.channelId === 'support-sms')!;
    expect(first).toMatchObject({ status: 'undelivered', error: expect.objectContaining({ code: 'outside_window' }) });
    expect(fallback).toMatchObject({ fallbackOf: first.id, providerMessageId: sms.sid });
    expect(sms.fields.StatusCallback).toBe(`${publicWebhook('support-sms')}?deliveryId=${fallback.id}`);
    await twilio.callback(sms, 'delivered');
    expect((await deliveries(eventId)).find((d) => d.id === fallback.id)).toMatchObject({ status: 'delivered' });
    expect(twilio.violations).toEqual([]);
  });

  it('sends a WhatsApp reply again by SMS when no delivery receipt arrives in time, and not before', async () => {
    const number = '+15550100005';
    await customerWrites('support-whatsapp', incomingSms(`whatsapp:${number}`, `whatsapp:${TWILIO_NUMBER}`, 'hello?'));
    const room = await roomOf('support-whatsapp', number);
    await until(async () => (await roomOf('support-whatsapp', number)).bindings.find((b) => b.channelId === 'support-whatsapp')?.fallback, 'the fallback policy');

    // A reply that is delivered in time stays on WhatsApp...
    const delivered = await reply(room.id, 'First answer');
    await twilio.callback(await sentTo(`whatsapp:${number}`, 1), 'delivered');
    // ...one that only gets as far as "sent" goes out by SMS once the policy's 2 s have passed.
    const unanswered = await reply(room.id, 'Second answer');
    await twilio.callback(await sentTo(`whatsapp:${number}`, 2), 'sent');
    const sms = await until(() => twilio.messages.find((m) => m.fields.To === number), 'the SMS fallback after the timeout', 15_000);
    expect(sms.fields.Body).toBe('Second answer');
    const chain = await deliveries(unanswered);
    expect(chain.find((d) => d.channelId === 'support-sms')).toMatchObject({ fallbackOf: chain.find((d) => d.channelId === 'support-whatsapp')!.id });
    expect(twilio.messages.filter((m) => m.fields.To === number)).toHaveLength(1);
    expect((await deliveries(delivered)).map((d) => d.channelId)).toEqual(['support-whatsapp']);
    expect(twilio.violations).toEqual([]);
    expect(nodeRed.logs()).not.toMatch(/\[error\]|Unhandled|uncaught/i);
  });

  it("takes a customer's email into the room of their SMS once the address is linked to them, and the agent inbox lists that room", async () => {
    const customer = '+15550100006';
    await customerWrites('support-sms', incomingSms(customer, TWILIO_NUMBER, 'my parcel is lost'));
    const room = await roomOf('support-sms', customer);
    const { identity } = await api('lookupIdentity', { channelType: 'sms', address: customer });
    await api('linkAddress', { identityId: identity.id, channelType: 'email', address: 'grace@example.org' });

    const mail = signedMail({ from: 'Grace <grace@example.org>', to: 'support@example.com', subject: 'Lost parcel', text: 'Here is the tracking number: 42.', headers: { 'Message-ID': '<parcel@example.org>' } });
    const answer = await postMail(mail);
    expect(answer.status).toBe(200);
    expect(answer.body.accepted[0].roomId).toBe(room.id);
    const { events } = await api('getTimeline', { roomId: room.id });
    expect(events.filter((e: { type: string }) => e.type === 'message').map((e: { content: { text: string } }) => e.content.text)).toEqual(['my parcel is lost', 'Here is the tracking number: 42.']);
    expect((await roomOf('support-email', 'grace@example.org')).id).toBe(room.id);
    // Nothing went out by mail: no one has replied yet.
    expect(smtp.mails).toEqual([]);

    // The agent signs in to the inbox the example points at and finds the room, with both channels.
    const inbox = `${nodeRed.httpNodeUrl}${PREFIX}/inbox`;
    const login = await fetch(`${inbox}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(AGENT) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const listed = await fetch(`${inbox}/api/rooms?search=${encodeURIComponent(customer)}`, { headers: { cookie } });
    expect(listed.status).toBe(200);
    const { rooms } = (await listed.json()) as { rooms: { id: string; channelTypes: string[] }[] };
    expect(rooms.map((r) => r.id)).toEqual([room.id]);
    expect([...rooms[0]!.channelTypes].sort()).toEqual(['email', 'sms']);
  });
});
