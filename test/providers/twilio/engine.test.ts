// Twilio end to end through a real engine and real HTTP: a customer's SMS lands in a room, the
// agent's reply goes out through (a fake) Twilio, and Twilio's signed status callbacks, posted to
// the StatusCallback URL it was given, move the delivery forward in whatever order they arrive.
// Unsigned or wrongly signed requests store nothing; replays store nothing twice; a WhatsApp
// message Twilio reports undelivered outside the session window (63016) falls back to SMS.
import { IncomingMessage, type ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createTwilioProvider, createWebhookHandler, type Delivery, type Identity, type Notification, type RoomEvent } from '../../../runtime/src';
import { cleanupAll, openTestEngine, rowCounts, until } from '../../runtime/support/engine';
import { ACCOUNT_SID, AUTH_TOKEN, formBody, officialSignature, postForm, incomingSms, type Params } from './support/twilio';
import { CUSTOMER, TWILIO_NUMBER, closeTwilioServers, deliveriesOf, openTwilioEngine } from './support/engine';

afterEach(async () => {
  await cleanupAll();
  await closeTwilioServers();
});

type Engine = import('../../../runtime/src').Engine;
type Accepted = { kind: string; eventId: string; roomId: string; duplicate: boolean };

const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

async function timeline(engine: Engine, roomId: string): Promise<RoomEvent[]> {
  return (await engine.call<{ events: RoomEvent[] }>('getTimeline', { roomId, limit: 100 })).events.filter((e) => e.type === 'message');
}

/** An SMS channel `tw-sms` and a WhatsApp channel `tw-wa` on one fake Twilio account. */
async function setup() {
  const t = await openTwilioEngine();
  await t.registerTwilio('tw-sms', 'sms');
  await t.registerTwilio('tw-wa', 'whatsapp');
  const notifications: Notification[] = [];
  t.engine.subscribe((n) => notifications.push(n));
  /** Twilio calling a channel's webhook over HTTP, signed for its public URL. */
  const post = (channelId: string, params: Params, signature?: string | null) =>
    postForm(`${t.localUrl}/webhook/${channelId}`, params, signature === undefined ? officialSignature(t.webhookUrl(channelId), params) : signature);
  /** The customer texts in; returns the event and room it landed in. */
  const customerWrites = async (channelId: string, params: Params) => {
    const answer = await post(channelId, params);
    expect(answer).toMatchObject({ status: 200, contentType: 'text/xml; charset=utf-8', text: TWIML });
    return answer;
  };
  const reply = async (roomId: string, text: string) => {
    const { binding } = await t.engine.call<{ binding: { id: string } }>('attachBinding', { roomId, channelId: 'console', address: 'agent-1' });
    const { event } = await t.engine.call<{ event: RoomEvent }>('sendEvent', { roomId, bindingId: binding.id, content: { type: 'text', text } });
    await t.engine.idle();
    return event;
  };
  return { ...t, notifications, post, customerWrites, reply };
}

async function onlyRoom(engine: Engine): Promise<string> {
  const { rooms } = await engine.call<{ rooms: { id: string }[] }>('listRooms', {});
  expect(rooms).toHaveLength(1);
  return rooms[0]!.id;
}

describe('an SMS conversation through Twilio', () => {
  it('inbound SMS into a room, the reply out through Twilio, signed status callbacks update the delivery', async () => {
    const t = await setup();
    const inbound = incomingSms(CUSTOMER, TWILIO_NUMBER, 'Where is my order?');
    await t.customerWrites('tw-sms', inbound);
    const roomId = await onlyRoom(t.engine);
    const [first] = await timeline(t.engine, roomId);
    expect(first).toMatchObject({
      direction: 'inbound',
      content: { type: 'text', text: 'Where is my order?' },
      source: { channelId: 'tw-sms', provider: 'twilio', providerMessageId: inbound.MessageSid, raw: inbound },
    });

    const answer = await t.reply(roomId, 'It ships today.');
    expect(t.twilio.violations).toEqual([]);
    expect(t.twilio.messages).toHaveLength(1);
    const sent = t.twilio.messages[0]!;
    expect(sent.fields).toMatchObject({ To: CUSTOMER, From: TWILIO_NUMBER, Body: 'It ships today.' });
    const [delivery] = (await deliveriesOf(t.engine, answer.id)).filter((d) => d.channelId === 'tw-sms');
    expect(delivery).toMatchObject({ status: 'sent', providerMessageId: sent.sid });

    for (const status of ['queued', 'sending', 'sent', 'delivered']) {
      expect(await t.twilio.callback(sent, status)).toMatchObject({ status: 200, contentType: 'text/xml; charset=utf-8', text: TWIML });
    }
    const [after] = (await deliveriesOf(t.engine, answer.id)).filter((d) => d.channelId === 'tw-sms');
    expect(after).toMatchObject({ id: delivery!.id, status: 'delivered', error: null });
    await until(() => t.notifications.some((n) => n.kind === 'delivery' && n.delivery.id === delivery!.id && n.delivery.status === 'delivered'), 'the delivered notification');
  });

  it('keeps the WhatsApp profile name as the identity\'s display name and MMS media as media events', async () => {
    const t = await setup();
    await t.customerWrites('tw-wa', incomingSms(`whatsapp:${CUSTOMER}`, `whatsapp:${TWILIO_NUMBER}`, 'look', {
      ProfileName: 'Ada Lovelace',
      NumMedia: '2',
      MediaUrl0: 'https://api.twilio.com/media/ME1',
      MediaContentType0: 'image/jpeg',
      MediaUrl1: 'https://api.twilio.com/media/ME2',
      MediaContentType1: 'video/mp4',
    }));
    const roomId = await onlyRoom(t.engine);
    const events = await timeline(t.engine, roomId);
    expect(events.map((e) => e.content)).toEqual([
      { type: 'media', url: 'https://api.twilio.com/media/ME1', mimeType: 'image/jpeg', caption: 'look' },
      { type: 'media', url: 'https://api.twilio.com/media/ME2', mimeType: 'video/mp4' },
    ]);
    const identity = await t.engine.call<Identity>('getIdentity', { identityId: events[0]!.source.identityId });
    expect(identity).toMatchObject({ displayName: 'Ada Lovelace', addresses: [{ channelType: 'whatsapp', address: CUSTOMER }] });
  });
});

describe('signature failures store nothing', () => {
  it('answers 401 without a signature and 403 with a wrong one, and stores the same request once it is rightly signed', async () => {
    const t = await setup();
    const inbound = incomingSms(CUSTOMER, TWILIO_NUMBER, 'hello');
    const before = await rowCounts(t.path);
    const missing = await t.post('tw-sms', inbound, null);
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.text)).toMatchObject({ error: { code: 'unauthorized' } });
    const wrong = await t.post('tw-sms', inbound, officialSignature(t.webhookUrl('tw-sms'), inbound, 'not-the-token'));
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.text)).toMatchObject({ error: { code: 'forbidden' } });
    // Signed for the local URL: Twilio would have called the public one.
    const local = await t.post('tw-sms', inbound, officialSignature(`${t.localUrl}/webhook/tw-sms`, inbound));
    expect(local.status).toBe(403);
    const malformed = { ...inbound, NumMedia: 'lots' };
    const bad = await t.post('tw-sms', malformed);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ error: { code: 'invalid_input', field: 'NumMedia' } });
    expect(await rowCounts(t.path)).toEqual(before);

    await t.customerWrites('tw-sms', inbound);
    expect(await timeline(t.engine, await onlyRoom(t.engine))).toHaveLength(1);
  });

  it('refuses a WhatsApp sender on the SMS channel\'s webhook, naming from, and stores nothing', async () => {
    const t = await setup();
    const before = await rowCounts(t.path);
    const answer = await t.post('tw-sms', incomingSms(`whatsapp:${CUSTOMER}`, `whatsapp:${TWILIO_NUMBER}`, 'wrong door'));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'invalid_input', field: 'from' } });
    expect(await rowCounts(t.path)).toEqual(before);
    await t.customerWrites('tw-wa', incomingSms(`whatsapp:${CUSTOMER}`, `whatsapp:${TWILIO_NUMBER}`, 'right door'));
    expect(await timeline(t.engine, await onlyRoom(t.engine))).toHaveLength(1);
  });

  it('refuses a status callback with a wrong signature, leaving the delivery as it was', async () => {
    const t = await setup();
    await t.customerWrites('tw-sms', incomingSms(CUSTOMER, TWILIO_NUMBER, 'hi'));
    const event = await t.reply(await onlyRoom(t.engine), 'hello');
    const sent = t.twilio.messages[0]!;
    const params = { MessageSid: sent.sid, MessageStatus: 'delivered', AccountSid: 'x' };
    const url = `${t.localUrl}/webhook/tw-sms?deliveryId=${encodeURIComponent(String(sent.fields.StatusCallback).split('deliveryId=')[1]!)}`;
    const forged = await postForm(url, params, officialSignature(String(sent.fields.StatusCallback), params, 'guessed-token'));
    expect(forged.status).toBe(403);
    expect((await deliveriesOf(t.engine, event.id)).find((d) => d.channelId === 'tw-sms')).toMatchObject({ status: 'sent' });
    await t.twilio.callback(sent, 'delivered');
    expect((await deliveriesOf(t.engine, event.id)).find((d) => d.channelId === 'tw-sms')).toMatchObject({ status: 'delivered' });
  });
});

describe('replays and order', () => {
  it('stores a replayed inbound message once (same MessageSid), answering the replay as a duplicate', async () => {
    const t = await setup();
    const inbound = incomingSms(CUSTOMER, TWILIO_NUMBER, 'only once');
    const first = await t.webhook('tw-sms', inbound);
    const again = await t.webhook('tw-sms', inbound);
    const [a] = (first.body as { accepted: Accepted[] }).accepted;
    const [b] = (again.body as { accepted: Accepted[] }).accepted;
    expect(a).toMatchObject({ duplicate: false });
    expect(b).toMatchObject({ eventId: a!.eventId, duplicate: true });
    await t.customerWrites('tw-sms', inbound);
    expect(await timeline(t.engine, a!.roomId)).toHaveLength(1);
  });

  it('applies a replayed status callback once, and never lets a late status move a delivery back', async () => {
    const t = await setup();
    await t.customerWrites('tw-wa', incomingSms(`whatsapp:${CUSTOMER}`, `whatsapp:${TWILIO_NUMBER}`, 'hi'));
    const event = await t.reply(await onlyRoom(t.engine), 'read me');
    const sent = t.twilio.messages[0]!;
    const status = async () => (await deliveriesOf(t.engine, event.id)).find((d) => d.channelId === 'tw-wa')!;
    const announced = () => t.notifications.filter((n) => n.kind === 'delivery' && n.event.id === event.id).map((n) => (n as { delivery: Delivery }).delivery.status);

    await t.twilio.callback(sent, 'read');
    await t.twilio.callback(sent, 'read');
    await t.twilio.callback(sent, 'delivered');
    await t.twilio.callback(sent, 'sent');
    await t.twilio.callback(sent, 'undelivered', { ErrorCode: '30003' });
    expect(await status()).toMatchObject({ status: 'read', error: null });
    await until(() => announced().includes('read'), 'the read notification');
    expect(announced().filter((s) => s !== 'sent')).toEqual(['read']);
  });

  it('takes delivered before sent, and a failure after sent', async () => {
    const t = await setup();
    await t.customerWrites('tw-sms', incomingSms(CUSTOMER, TWILIO_NUMBER, 'hi'));
    const roomId = await onlyRoom(t.engine);
    const one = await t.reply(roomId, 'one');
    const two = await t.reply(roomId, 'two');
    const [first, second] = t.twilio.messages;
    await t.twilio.callback(first!, 'delivered');
    await t.twilio.callback(first!, 'sending');
    await t.twilio.callback(second!, 'sent');
    await t.twilio.callback(second!, 'failed', { ErrorCode: '30006' });
    expect((await deliveriesOf(t.engine, one.id)).find((d) => d.channelId === 'tw-sms')).toMatchObject({ status: 'delivered' });
    expect((await deliveriesOf(t.engine, two.id)).find((d) => d.channelId === 'tw-sms')).toMatchObject({
      status: 'failed',
      error: { code: 'twilio_30006' },
    });
  });
});

describe('WhatsApp falls back to SMS', () => {
  it('sends the same message by SMS when Twilio reports the WhatsApp one undelivered outside the window (63016)', async () => {
    const t = await setup();
    await t.customerWrites('tw-wa', incomingSms(`whatsapp:${CUSTOMER}`, `whatsapp:${TWILIO_NUMBER}`, 'hi'));
    const roomId = await onlyRoom(t.engine);
    const { bindings } = await t.engine.call<{ bindings: { id: string; channelId: string }[] }>('getRoom', { roomId });
    const customer = bindings.find((b) => b.channelId === 'tw-wa')!;
    await t.engine.call('setFallback', { bindingId: customer.id, fallback: { channels: ['tw-sms'], on: ['outside_window'] } });

    const event = await t.reply(roomId, 'Your table is ready');
    const [whatsapp] = t.twilio.messages;
    expect(whatsapp!.fields).toMatchObject({ To: `whatsapp:${CUSTOMER}`, Body: 'Your table is ready' });
    expect(t.twilio.messages).toHaveLength(1);

    await t.twilio.callback(whatsapp!, 'undelivered', { ErrorCode: '63016' });
    await until(() => t.twilio.messages.length === 2 && t.twilio.messages[1], 'the SMS fallback');
    const sms = t.twilio.messages[1]!;
    expect(sms.fields).toMatchObject({ To: CUSTOMER, From: TWILIO_NUMBER, Body: 'Your table is ready' });
    await t.engine.idle();
    const chain = await deliveriesOf(t.engine, event.id);
    const first = chain.find((d) => d.channelId === 'tw-wa')!;
    const fallback = chain.find((d) => d.channelId === 'tw-sms')!;
    expect(first).toMatchObject({ status: 'undelivered', error: { code: 'outside_window' } });
    expect(fallback).toMatchObject({ status: 'sent', fallbackOf: first.id, providerMessageId: sms.sid });
    expect(sms.fields.StatusCallback).toBe(`${t.webhookUrl('tw-sms')}?deliveryId=${fallback.id}`);

    await t.twilio.callback(sms, 'delivered');
    expect((await deliveriesOf(t.engine, event.id)).find((d) => d.id === fallback.id)).toMatchObject({ status: 'delivered' });
    expect(t.twilio.violations).toEqual([]);
  });

  it('does not fall back when the policy does not name outside_window', async () => {
    const t = await setup();
    await t.customerWrites('tw-wa', incomingSms(`whatsapp:${CUSTOMER}`, `whatsapp:${TWILIO_NUMBER}`, 'hi'));
    const roomId = await onlyRoom(t.engine);
    const { bindings } = await t.engine.call<{ bindings: { id: string; channelId: string }[] }>('getRoom', { roomId });
    await t.engine.call('setFallback', { bindingId: bindings.find((b) => b.channelId === 'tw-wa')!.id, fallback: { channels: ['tw-sms'], on: ['failed'] } });
    const event = await t.reply(roomId, 'hello');
    await t.twilio.callback(t.twilio.messages[0]!, 'undelivered', { ErrorCode: '63016' });
    await t.engine.idle();
    expect(t.twilio.messages).toHaveLength(1);
    expect((await deliveriesOf(t.engine, event.id)).filter((d) => d.channelId.startsWith('tw-'))).toHaveLength(1);
  });
});

describe('Node-RED serving HTTPS itself, without a public URL', () => {
  /** A form post as it reaches a TLS server (Node-RED's `https` setting): the socket is encrypted. */
  function tlsRequest(host: string, path: string, params: Params, signature: string): IncomingMessage {
    const req = new IncomingMessage(new TLSSocket(new Socket()));
    Object.assign(req, { method: 'POST', url: path, headers: { host, 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature } });
    req.push(Buffer.from(formBody(params)));
    req.push(null);
    return req;
  }

  it('verifies the signature against the https URL Twilio called', async () => {
    const { engine } = await openTestEngine();
    const provider = createTwilioProvider({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: TWILIO_NUMBER });
    await engine.registerChannel({ id: 'tw-sms', type: 'sms', provider });
    const handler = createWebhookHandler(engine);
    const params = incomingSms(CUSTOMER, TWILIO_NUMBER, 'over TLS');
    const signature = officialSignature('https://rooms.example.test:1880/webhook/tw-sms', params);
    const answer = { statusCode: 0, headersSent: false, body: '', setHeader: () => undefined, end: (text: string) => void (answer.body = text) };
    await handler(tlsRequest('rooms.example.test:1880', '/webhook/tw-sms', params, signature), answer as unknown as ServerResponse, { channelId: 'tw-sms' });
    expect(answer).toMatchObject({ statusCode: 200, body: TWIML });
  });
});
