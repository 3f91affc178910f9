// Sinch end to end through a real engine and real HTTP: a customer's SMS lands in a room, the
// agent's reply goes out through (a fake) Sinch with the event's correlation id, and Sinch's
// signed delivery reports move the delivery forward whatever order they arrive in. Unsigned,
// wrongly signed, stale and nonce-reusing callbacks store nothing; a replayed callback is stored
// once. A WhatsApp reply whose fallback names the app's SMS channel lets Sinch switch channels.
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery, Identity, Notification, RoomEvent } from '../../../runtime/src';
import { cleanupAll, rowCounts, until } from '../../runtime/support/engine';
import { callbackHeaders, deliveryReport, inboundCallback, postCallback } from './support/sinch';
import { CUSTOMER, closeSinchServers, deliveriesOf, openSinchEngine } from './support/engine';

afterEach(async () => {
  await cleanupAll();
  await closeSinchServers();
});

type Engine = import('../../../runtime/src').Engine;
type Accepted = { kind: string; eventId: string; roomId: string; duplicate: boolean };
const MSISDN = CUSTOMER.slice(1);

async function timeline(engine: Engine, roomId: string): Promise<RoomEvent[]> {
  return (await engine.call<{ events: RoomEvent[] }>('getTimeline', { roomId, limit: 100 })).events.filter((e) => e.type === 'message');
}

async function onlyRoom(engine: Engine): Promise<string> {
  const { rooms } = await engine.call<{ rooms: { id: string }[] }>('listRooms', {});
  expect(rooms).toHaveLength(1);
  return rooms[0]!.id;
}

/** An SMS channel `sinch-sms` and a WhatsApp channel `sinch-wa` on one Sinch app. */
async function setup() {
  const t = await openSinchEngine();
  await t.registerSinch('sinch-sms', 'sms');
  await t.registerSinch('sinch-wa', 'whatsapp');
  const notifications: Notification[] = [];
  t.engine.subscribe((n) => notifications.push(n));
  const customerWrites = async (channelId: string, body: Record<string, unknown>) => {
    const answer = await t.callback(channelId, body);
    expect(answer.status).toBe(200);
    return answer;
  };
  const reply = async (roomId: string, content: Record<string, unknown>, correlationId?: string) => {
    const { binding } = await t.engine.call<{ binding: { id: string } }>('attachBinding', { roomId, channelId: 'console', address: 'agent-1' });
    const { event } = await t.engine.call<{ event: RoomEvent }>('sendEvent', { roomId, bindingId: binding.id, content, ...(correlationId ? { correlationId } : {}) });
    await t.engine.idle();
    return event;
  };
  const delivery = async (eventId: string, channelId: string) => (await deliveriesOf(t.engine, eventId)).find((d) => d.channelId === channelId)!;
  return { ...t, notifications, customerWrites, reply, delivery };
}

describe('an SMS conversation through Sinch', () => {
  it('inbound SMS into a room, the reply out through messages:send, signed delivery reports track it to delivered', async () => {
    const t = await setup();
    const inbound = inboundCallback('SMS', MSISDN, { text_message: { text: 'Where is my order?' } });
    await t.customerWrites('sinch-sms', inbound);
    const roomId = await onlyRoom(t.engine);
    const [first] = await timeline(t.engine, roomId);
    expect(first).toMatchObject({
      direction: 'inbound',
      content: { type: 'text', text: 'Where is my order?' },
      source: { channelId: 'sinch-sms', provider: 'sinch', providerMessageId: (inbound.message as { id: string }).id, raw: inbound },
    });
    const identity = await t.engine.call<Identity>('getIdentity', { identityId: first!.source.identityId });
    expect(identity.addresses).toEqual([expect.objectContaining({ channelType: 'sms', address: CUSTOMER })]);

    const answer = await t.reply(roomId, { type: 'text', text: 'It ships today.' }, 'order-4711');
    expect(t.sinch.violations).toEqual([]);
    expect(t.sinch.messages).toHaveLength(1);
    const sent = t.sinch.messages[0]!;
    const before = await t.delivery(answer.id, 'sinch-sms');
    expect(sent.body).toMatchObject({
      recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity: CUSTOMER }] } },
      message: { text_message: { text: 'It ships today.' } },
      correlation_id: 'order-4711',
      message_metadata: JSON.stringify({ roomwire: { deliveryId: before.id, channelId: 'sinch-sms' } }),
    });
    expect(before).toMatchObject({ status: 'sent', providerMessageId: sent.messageId });

    for (const status of ['QUEUED_ON_CHANNEL', 'DELIVERED']) {
      const report = await t.callback('sinch-sms', deliveryReport(sent, status));
      expect(report.status).toBe(200);
    }
    expect(await t.delivery(answer.id, 'sinch-sms')).toMatchObject({ id: before.id, status: 'delivered', error: null });
    await until(() => t.notifications.some((n) => n.kind === 'delivery' && n.delivery.id === before.id && n.delivery.status === 'delivered'), 'the delivered notification');
  });

  it('sends numbered options on SMS and maps a numeric answer back to the option\'s postback; a WhatsApp choice response carries it', async () => {
    const t = await setup();
    await t.customerWrites('sinch-sms', inboundCallback('SMS', MSISDN, { text_message: { text: 'help' } }));
    const roomId = await onlyRoom(t.engine);
    const offer = await t.reply(roomId, { type: 'rich', text: 'Pick one', buttons: [{ title: 'Track', postback: 'TRACK' }, { title: 'Agent', postback: 'AGENT' }] });
    const text = (t.sinch.messages[0]!.body.message as { text_message: { text: string } }).text_message.text;
    expect(text).toMatch(/1\. Track/);
    expect(text).toMatch(/2\. Agent/);
    await t.customerWrites('sinch-sms', inboundCallback('SMS', MSISDN, { text_message: { text: '2' } }));
    const answered = (await timeline(t.engine, roomId)).at(-1)!;
    expect(answered.reply).toMatchObject({ eventId: offer.id, number: 2, postback: 'AGENT' });

    await t.customerWrites('sinch-wa', inboundCallback('WHATSAPP', MSISDN, { choice_response_message: { message_id: 'x', postback_data: 'TRACK' } }));
    const { rooms } = await t.engine.call<{ rooms: { id: string }[] }>('listRooms', {});
    const choice = (await Promise.all(rooms.map((r) => timeline(t.engine, r.id)))).flat().find((e) => e.source.channelId === 'sinch-wa')!;
    expect(choice).toMatchObject({ content: { type: 'text', text: 'TRACK' }, metadata: { postback: 'TRACK' } });
  });
});

describe('content per the channel\'s capabilities', () => {
  it('sends the same options as a native choice_message on WhatsApp and as numbered text on SMS', async () => {
    const t = await setup();
    await t.customerWrites('sinch-wa', inboundCallback('WHATSAPP', MSISDN, { text_message: { text: 'hi' } }));
    const roomId = await onlyRoom(t.engine);
    const { binding } = await t.engine.call<{ binding: { id: string } }>('attachBinding', { roomId, channelId: 'sinch-sms', address: CUSTOMER });
    expect(binding.id).toBeTruthy();
    await t.reply(roomId, { type: 'rich', text: 'Pick one', buttons: [{ title: 'Track', postback: 'TRACK' }, { title: 'Agent', postback: 'AGENT' }] });
    const byChannel = Object.fromEntries(t.sinch.messages.map((m) => [(m.body.recipient as { identified_by: { channel_identities: { channel: string }[] } }).identified_by.channel_identities[0]!.channel, m.body.message]));
    expect(byChannel.WHATSAPP).toEqual({
      choice_message: {
        text_message: { text: 'Pick one' },
        choices: [
          { text_message: { text: 'Track' }, postback_data: 'TRACK' },
          { text_message: { text: 'Agent' }, postback_data: 'AGENT' },
        ],
      },
    });
    expect((byChannel.SMS as { text_message: { text: string } }).text_message.text).toMatch(/Pick one[\s\S]*1\. Track[\s\S]*2\. Agent/);
    expect(t.sinch.violations).toEqual([]);
  });

  it('sends a WhatsApp image\'s caption as its own text (Sinch\'s media message has none), both tracked by one delivery', async () => {
    const t = await setup();
    await t.customerWrites('sinch-wa', inboundCallback('WHATSAPP', MSISDN, { text_message: { text: 'receipt?' } }));
    const roomId = await onlyRoom(t.engine);
    const event = await t.reply(roomId, { type: 'media', url: 'https://cdn.example/receipt.jpg', mimeType: 'image/jpeg', caption: 'Your receipt' });
    expect(t.sinch.messages.map((m) => m.body.message)).toEqual(
      expect.arrayContaining([{ media_message: { url: 'https://cdn.example/receipt.jpg' } }, { text_message: { text: 'Your receipt' } }]),
    );
    expect(t.sinch.messages).toHaveLength(2);
    const delivery = await t.delivery(event.id, 'sinch-wa');
    expect(delivery.status).toBe('sent');
    expect(new Set(t.sinch.messages.map((m) => m.body.message_metadata))).toEqual(new Set([JSON.stringify({ roomwire: { deliveryId: delivery.id, channelId: 'sinch-wa' } })]));
    expect(t.sinch.violations).toEqual([]);
  });
});

describe('signature failures store nothing', () => {
  it('answers 401 without a signature, 403 for a wrong one, a stale timestamp or a reused nonce, and stores the same request once it is rightly signed', async () => {
    const t = await setup();
    const url = `${t.localUrl}/webhook/sinch-sms`;
    const body = inboundCallback('SMS', MSISDN, { text_message: { text: 'hello' } });
    const raw = Buffer.from(JSON.stringify(body));
    // A nonce already used by another, genuine callback.
    const other = Buffer.from(JSON.stringify(inboundCallback('SMS', MSISDN, { text_message: { text: 'first' } })));
    expect((await postCallback(url, other, callbackHeaders(other, { nonce: 'used-nonce' }))).status).toBe(200);
    const before = await rowCounts(t.path);

    const missing = await postCallback(url, raw, callbackHeaders(raw, { signature: null }));
    expect(missing).toMatchObject({ status: 401, json: { error: { code: 'unauthorized' } } });
    const noNonce = await postCallback(url, raw, callbackHeaders(raw, { omit: ['nonce'] }));
    expect(noNonce.status).toBe(401);
    const wrong = await postCallback(url, raw, callbackHeaders(raw, { secret: 'guessed-secret' }));
    expect(wrong).toMatchObject({ status: 403, json: { error: { code: 'forbidden' } } });
    expect(JSON.stringify(wrong.json)).not.toContain('webhook-secret-not-real');
    const stale = await postCallback(url, raw, callbackHeaders(raw, { timestamp: Math.floor(Date.now() / 1000) - 3600 }));
    expect(stale.status).toBe(403);
    const reused = await postCallback(url, raw, callbackHeaders(raw, { nonce: 'used-nonce' }));
    expect(reused.status).toBe(403);
    const malformed = Buffer.from(JSON.stringify({ ...body, message: { ...(body.message as object), contact_message: { text_message: { text: 7 } } } }));
    const bad = await postCallback(url, malformed, callbackHeaders(malformed));
    expect(bad).toMatchObject({ status: 400, json: { error: { code: 'invalid_input', field: 'message.contact_message.text_message.text' } } });
    expect(await rowCounts(t.path)).toEqual(before);

    expect((await postCallback(url, raw, callbackHeaders(raw))).status).toBe(200);
    expect((await timeline(t.engine, await onlyRoom(t.engine))).map((e) => e.content.text)).toEqual(['first', 'hello']);
  });

  it('refuses a delivery report with a wrong signature, leaving the delivery as it was', async () => {
    const t = await setup();
    await t.customerWrites('sinch-sms', inboundCallback('SMS', MSISDN, { text_message: { text: 'hi' } }));
    const event = await t.reply(await onlyRoom(t.engine), { type: 'text', text: 'hello' });
    const sent = t.sinch.messages[0]!;
    const forged = await t.callback('sinch-sms', deliveryReport(sent, 'FAILED', { code: 'RECIPIENT_NOT_REACHABLE' }), { secret: 'guessed' });
    expect(forged.status).toBe(403);
    expect(await t.delivery(event.id, 'sinch-sms')).toMatchObject({ status: 'sent' });
    await t.callback('sinch-sms', deliveryReport(sent, 'DELIVERED'));
    expect(await t.delivery(event.id, 'sinch-sms')).toMatchObject({ status: 'delivered' });
  });
});

describe('replays and order', () => {
  it('stores a replayed inbound callback once (same signed request, same message id), answering the replay as a duplicate', async () => {
    const t = await setup();
    const url = `${t.localUrl}/webhook/sinch-sms`;
    const raw = Buffer.from(JSON.stringify(inboundCallback('SMS', MSISDN, { text_message: { text: 'only once' } })));
    const headers = callbackHeaders(raw);
    const first = await postCallback(url, raw, headers);
    const again = await postCallback(url, raw, headers);
    const [a] = (first.json as { accepted: Accepted[] }).accepted;
    const [b] = (again.json as { accepted: Accepted[] }).accepted;
    expect(a).toMatchObject({ duplicate: false });
    expect(b).toMatchObject({ eventId: a!.eventId, duplicate: true });
    // Sinch retrying with a new nonce and timestamp: the message id still finds the first event.
    const retried = await postCallback(url, raw, callbackHeaders(raw));
    expect((retried.json as { accepted: Accepted[] }).accepted[0]).toMatchObject({ eventId: a!.eventId, duplicate: true });
    expect(await timeline(t.engine, a!.roomId)).toHaveLength(1);
  });

  it('never lets a late report move a delivery back: READ before DELIVERED and QUEUED_ON_CHANNEL, a FAILED after READ', async () => {
    const t = await setup();
    await t.customerWrites('sinch-wa', inboundCallback('WHATSAPP', MSISDN, { text_message: { text: 'hi' } }));
    const event = await t.reply(await onlyRoom(t.engine), { type: 'text', text: 'read me' });
    const sent = t.sinch.messages[0]!;
    const announced = () => t.notifications.filter((n) => n.kind === 'delivery' && n.event.id === event.id).map((n) => (n as { delivery: Delivery }).delivery.status);
    for (const status of ['READ', 'READ', 'DELIVERED', 'QUEUED_ON_CHANNEL']) expect((await t.callback('sinch-wa', deliveryReport(sent, status))).status).toBe(200);
    expect((await t.callback('sinch-wa', deliveryReport(sent, 'FAILED', { code: 'RECIPIENT_NOT_REACHABLE' }))).status).toBe(200);
    expect(await t.delivery(event.id, 'sinch-wa')).toMatchObject({ status: 'read', error: null });
    await until(() => announced().includes('read'), 'the read notification');
    expect(announced().filter((s) => s !== 'sent')).toEqual(['read']);
  });

  it('takes DELIVERED before QUEUED_ON_CHANNEL, and a FAILED after QUEUED_ON_CHANNEL with its reason', async () => {
    const t = await setup();
    await t.customerWrites('sinch-sms', inboundCallback('SMS', MSISDN, { text_message: { text: 'hi' } }));
    const roomId = await onlyRoom(t.engine);
    const one = await t.reply(roomId, { type: 'text', text: 'one' });
    const two = await t.reply(roomId, { type: 'text', text: 'two' });
    const [first, second] = t.sinch.messages;
    await t.callback('sinch-sms', deliveryReport(first!, 'DELIVERED'));
    await t.callback('sinch-sms', deliveryReport(first!, 'QUEUED_ON_CHANNEL'));
    await t.callback('sinch-sms', deliveryReport(second!, 'QUEUED_ON_CHANNEL'));
    await t.callback('sinch-sms', deliveryReport(second!, 'FAILED', { code: 'RECIPIENT_NOT_REACHABLE', description: 'phone off' }));
    expect(await t.delivery(one.id, 'sinch-sms')).toMatchObject({ status: 'delivered' });
    expect(await t.delivery(two.id, 'sinch-sms')).toMatchObject({ status: 'failed', error: { code: 'sinch_RECIPIENT_NOT_REACHABLE', reason: 'Sinch reported RECIPIENT_NOT_REACHABLE: phone off' } });
  });
});

describe('Sinch switches channels itself when the fallback names the app\'s channels', () => {
  it('sends WHATSAPP then SMS as channel_priority_order; SWITCHING_CHANNEL changes nothing, the SMS DELIVERED marks the WhatsApp delivery delivered, and Roomwire sends nothing twice', async () => {
    const t = await setup();
    await t.customerWrites('sinch-wa', inboundCallback('WHATSAPP', MSISDN, { text_message: { text: 'hi' } }));
    const roomId = await onlyRoom(t.engine);
    const { bindings } = await t.engine.call<{ bindings: { id: string; channelId: string }[] }>('getRoom', { roomId });
    await t.engine.call('setFallback', { bindingId: bindings.find((b) => b.channelId === 'sinch-wa')!.id, fallback: { channels: ['sinch-sms'], on: ['failed'] } });
    const event = await t.reply(roomId, { type: 'text', text: 'Your table is ready' });
    const [sent] = t.sinch.messages;
    expect(sent!.body.channel_priority_order).toEqual(['WHATSAPP', 'SMS']);
    expect(t.sinch.violations).toEqual([]);

    await t.callback('sinch-wa', deliveryReport(sent!, 'SWITCHING_CHANNEL', { code: 'OUTSIDE_ALLOWED_SENDING_WINDOW' }));
    expect(await t.delivery(event.id, 'sinch-wa')).toMatchObject({ status: 'sent', error: null });
    // Sinch posts the report to every webhook of the app: the SMS channel's ignores it.
    const elsewhere = await t.callback('sinch-sms', deliveryReport(sent!, 'DELIVERED', undefined, 'SMS'));
    expect(elsewhere).toMatchObject({ status: 200, json: { accepted: [] } });
    await t.callback('sinch-wa', deliveryReport(sent!, 'DELIVERED', undefined, 'SMS'));
    await t.engine.idle();
    expect(await t.delivery(event.id, 'sinch-wa')).toMatchObject({ status: 'delivered' });
    expect(t.sinch.messages).toHaveLength(1);
    expect((await deliveriesOf(t.engine, event.id)).filter((d) => d.channelId.startsWith('sinch-'))).toHaveLength(1);
  });
});
