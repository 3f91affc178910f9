// Sends through Twilio's Messages API, against a fake Twilio that checks every request: the path,
// Basic auth (Auth Token or API key), the form fields and their encoding, WhatsApp addressing,
// Messaging Services, media, Content API templates, what Twilio's API cannot carry natively, and
// how each error answer decides between a retry and a final failure (never a second send when
// Twilio may already have the message).
import { createServer } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTwilioProvider, type Delivery, type RoomEvent } from '../../../runtime/src';
import { cleanupAll } from '../../runtime/support/engine';
import { ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, AUTH_TOKEN, CONTENT_SID, SERVICE_SID, incomingSms, startFakeTwilio, twilioErrorAnswer } from './support/twilio';
import { CUSTOMER, PUBLIC_BASE_URL, TWILIO_NUMBER, closeTwilioServers, deliveriesOf, openTwilioEngine, roomWith } from './support/engine';

afterEach(async () => {
  await cleanupAll();
  await closeTwilioServers();
});

type Engine = import('../../../runtime/src').Engine;

async function say(engine: Engine, roomId: string, agentBindingId: string, content: Record<string, unknown>): Promise<RoomEvent> {
  const { event } = await engine.call<{ event: RoomEvent }>('sendEvent', { roomId, bindingId: agentBindingId, content });
  await engine.idle();
  return event;
}

async function customerDelivery(engine: Engine, eventId: string, channelId: string): Promise<Delivery> {
  return (await deliveriesOf(engine, eventId)).find((d) => d.channelId === channelId)!;
}

async function smsRoom(extra: Parameters<Awaited<ReturnType<typeof openTwilioEngine>>['registerTwilio']>[2] = {}) {
  const t = await openTwilioEngine();
  await t.registerTwilio('tw-sms', 'sms', extra);
  const { room, b } = await roomWith(t.engine, [
    { channelId: 'tw-sms', address: CUSTOMER },
    { channelId: 'console', address: 'agent-1' },
  ]);
  const send = (content: Record<string, unknown>) => say(t.engine, room.id, b.console!.id, content);
  return { ...t, room, b, send };
}

/** A WhatsApp room whose session window is open: the customer wrote first. */
async function whatsappRoom(profileOverride?: Record<string, unknown>) {
  const t = await openTwilioEngine();
  await t.registerTwilio('tw-wa', 'whatsapp', {}, profileOverride);
  const first = await t.webhook('tw-wa', incomingSms(`whatsapp:${CUSTOMER}`, `whatsapp:${TWILIO_NUMBER}`, 'hi', { ProfileName: 'Ada' }));
  const roomId = (first.body as { accepted: { roomId: string }[] }).accepted[0]!.roomId;
  const { binding } = await t.engine.call<{ binding: { id: string } }>('attachBinding', { roomId, channelId: 'console', address: 'agent-1' });
  const send = (content: Record<string, unknown>) => say(t.engine, roomId, binding.id, content);
  return { ...t, roomId, agentId: binding.id, send };
}

describe('the request', () => {
  it('POSTs To, From, Body and StatusCallback form-encoded to the account\'s Messages.json with Basic auth', async () => {
    const t = await smsRoom();
    const text = 'Grüße & 😀 + a=b%20\nline 2';
    const event = await t.send({ type: 'text', text });
    const delivery = await customerDelivery(t.engine, event.id, 'tw-sms');
    expect(t.twilio.violations).toEqual([]);
    expect(t.twilio.messages).toHaveLength(1);
    const [message] = t.twilio.messages;
    expect(message!.fields).toEqual({
      To: CUSTOMER,
      From: TWILIO_NUMBER,
      Body: text,
      StatusCallback: `${PUBLIC_BASE_URL}/webhook/tw-sms?deliveryId=${delivery.id}`,
    });
    // UTF-8 percent-encoding, as Twilio decodes it.
    expect(message!.request.body.toString()).toContain('Body=Gr%C3%BC%C3%9Fe+%26+%F0%9F%98%80+%2B+a%3Db%2520%0Aline+2');
    expect(message!.request.headers.accept).toBe('application/json');
    expect(delivery).toMatchObject({ status: 'sent', attempts: 1, providerMessageId: message!.sid, error: null });
  });

  it('authenticates with an API key instead of the Auth Token when one is given', async () => {
    const t = await openTwilioEngine();
    const keyed = await startFakeTwilio({ username: API_KEY_SID, password: API_KEY_SECRET });
    try {
      await t.registerTwilio('tw-sms', 'sms', { apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET, apiBaseUrl: keyed.apiBaseUrl });
      const { room, b } = await roomWith(t.engine, [
        { channelId: 'tw-sms', address: CUSTOMER },
        { channelId: 'console', address: 'agent-1' },
      ]);
      await say(t.engine, room.id, b.console!.id, { type: 'text', text: 'keyed' });
      expect(keyed.violations).toEqual([]);
      expect(keyed.messages.map((m) => m.fields.Body)).toEqual(['keyed']);
    } finally {
      await keyed.server.close();
    }
  });

  it('sends through a Messaging Service without a From number', async () => {
    const t = await smsRoom({ from: undefined, messagingServiceSid: SERVICE_SID });
    await t.send({ type: 'text', text: 'from the pool' });
    expect(t.twilio.violations).toEqual([]);
    expect(t.twilio.messages[0]!.fields).toMatchObject({ MessagingServiceSid: SERVICE_SID, Body: 'from the pool' });
    expect(t.twilio.messages[0]!.fields.From).toBeUndefined();
  });

  it('sends media as a MediaUrl with its caption as Body', async () => {
    const t = await openTwilioEngine();
    await t.registerTwilio('tw-mms', 'mms');
    const { room, b } = await roomWith(t.engine, [
      { channelId: 'tw-mms', address: CUSTOMER },
      { channelId: 'console', address: 'agent-1' },
    ]);
    await say(t.engine, room.id, b.console!.id, { type: 'media', url: 'https://cdn.example.com/receipt.png', mimeType: 'image/png', caption: 'your receipt' });
    expect(t.twilio.violations).toEqual([]);
    expect(t.twilio.messages[0]!.fields).toMatchObject({ To: CUSTOMER, MediaUrl: 'https://cdn.example.com/receipt.png', Body: 'your receipt' });
  });

  it('leaves StatusCallback out when the channel has no status callback URL', async () => {
    const t = await smsRoom({ statusCallbackUrl: undefined });
    await t.send({ type: 'text', text: 'no callbacks' });
    expect(Object.keys(t.twilio.messages[0]!.fields).sort()).toEqual(['Body', 'From', 'To']);
  });
});

describe('WhatsApp', () => {
  it('addresses both ends as whatsapp:+…', async () => {
    const t = await whatsappRoom();
    await t.send({ type: 'text', text: 'hello on WhatsApp' });
    expect(t.twilio.violations).toEqual([]);
    expect(t.twilio.messages[0]!.fields).toMatchObject({ To: `whatsapp:${CUSTOMER}`, From: `whatsapp:${TWILIO_NUMBER}`, Body: 'hello on WhatsApp' });
  });

  it('sends a template as ContentSid with its parameters as numbered ContentVariables', async () => {
    const t = await whatsappRoom();
    await t.send({ type: 'template', name: CONTENT_SID, language: 'en', parameters: ['Ada', 'order 7'] });
    expect(t.twilio.violations).toEqual([]);
    const fields = t.twilio.messages[0]!.fields;
    expect(fields).toMatchObject({ To: `whatsapp:${CUSTOMER}`, ContentSid: CONTENT_SID });
    expect(JSON.parse(fields.ContentVariables as string)).toEqual({ 1: 'Ada', 2: 'order 7' });
    expect(fields.Body).toBeUndefined();
  });

  it('fails a template whose name is not a Content SID, naming the problem, without calling Twilio', async () => {
    const t = await whatsappRoom();
    const event = await t.send({ type: 'template', name: 'order_update', language: 'en' });
    expect(t.twilio.server.requests).toHaveLength(0);
    const delivery = await customerDelivery(t.engine, event.id, 'tw-wa');
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'invalid_template' } });
    expect(delivery.error!.reason).toContain('Content SID');
  });

  it('sends buttons as numbered text (Twilio sends native buttons only as Content templates), and "2" picks the second', async () => {
    const t = await whatsappRoom();
    const offer = await t.send({
      type: 'rich',
      text: 'Ship it?',
      buttons: [
        { title: 'Yes', postback: 'ship-yes' },
        { title: 'No', postback: 'ship-no' },
      ],
    });
    expect(t.twilio.messages[0]!.fields.Body).toMatch(/Ship it\?[\s\S]*1[\s\S]*Yes[\s\S]*2[\s\S]*No/);
    const answer = await t.webhook('tw-wa', incomingSms(`whatsapp:${CUSTOMER}`, `whatsapp:${TWILIO_NUMBER}`, '2'));
    const eventId = (answer.body as { accepted: { eventId: string }[] }).accepted[0]!.eventId;
    const { events } = await t.engine.call<{ events: RoomEvent[] }>('getTimeline', { roomId: t.roomId, limit: 100 });
    expect(events.find((e) => e.id === eventId)!.reply).toMatchObject({ eventId: offer.id, number: 2, postback: 'ship-no' });
  });

  it('splits text longer than Twilio\'s 1,600-character Body into several messages', async () => {
    const t = await whatsappRoom();
    await t.send({ type: 'text', text: `${'word '.repeat(500)}end` });
    expect(t.twilio.violations).toEqual([]);
    expect(t.twilio.messages.length).toBeGreaterThan(1);
    for (const message of t.twilio.messages) expect((message.fields.Body as string).length).toBeLessThanOrEqual(1600);
  });

  it('applies the channel\'s own capability override over Twilio\'s limits', async () => {
    const t = await whatsappRoom({ maxTextLength: 300 });
    await t.send({ type: 'text', text: `${'word '.repeat(100)}end` });
    expect(t.twilio.messages.length).toBeGreaterThan(1);
    for (const message of t.twilio.messages) expect((message.fields.Body as string).length).toBeLessThanOrEqual(300);
    // Twilio's own limits still hold where the channel says nothing: buttons go out as text.
    await t.send({ type: 'rich', text: 'Pick', buttons: [{ title: 'A', postback: 'a' }] });
    expect(t.twilio.messages.at(-1)!.fields.Body).toMatch(/Pick[\s\S]*1[\s\S]*A/);
  });
});

describe('errors', () => {
  it('fails a Body over 1,600 characters without calling Twilio (a channel override let it through)', async () => {
    const t = await whatsappRoom({ maxTextLength: 4000 });
    const event = await t.send({ type: 'text', text: 'x'.repeat(1700) });
    expect(t.twilio.server.requests).toHaveLength(0);
    expect(await customerDelivery(t.engine, event.id, 'tw-wa')).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'body_too_long' } });
  });

  it('fails at once on a 4xx error, with Twilio\'s code and message', async () => {
    const t = await smsRoom();
    t.twilio.faults.push(twilioErrorAnswer(400, 21211, "The 'To' number +15550001 is not a valid phone number."));
    const event = await t.send({ type: 'text', text: 'x' });
    expect(t.twilio.server.requests).toHaveLength(1);
    const delivery = await customerDelivery(t.engine, event.id, 'tw-sms');
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'twilio_21211' } });
    expect(delivery.error!.reason).toBe("Twilio answered HTTP 400 error 21211: The 'To' number +15550001 is not a valid phone number.");
  });

  it('retries 429 and 5xx answers (Twilio created nothing) until Twilio accepts', async () => {
    const t = await smsRoom();
    t.twilio.faults.push(twilioErrorAnswer(429, 20429, 'Too Many Requests'), twilioErrorAnswer(503, 20500, 'Service unavailable'));
    const event = await t.send({ type: 'text', text: 'eventually' });
    expect(t.twilio.server.requests).toHaveLength(3);
    expect(t.twilio.messages).toHaveLength(1);
    expect(await customerDelivery(t.engine, event.id, 'tw-sms')).toMatchObject({ status: 'sent', attempts: 3, error: null });
  });

  it('never sends again after a timeout or a broken connection: Twilio may already have the message', async () => {
    for (const fault of ['hang', 'reset'] as const) {
      const t = await smsRoom({ timeoutMs: 300 });
      t.twilio.faults.push(fault);
      const event = await t.send({ type: 'text', text: `after ${fault}` });
      expect(t.twilio.server.requests).toHaveLength(1);
      const delivery = await customerDelivery(t.engine, event.id, 'tw-sms');
      expect(delivery).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'outcome_unknown' } });
      expect(delivery.error!.reason).toContain('not sent again');
    }
  });

  it('retries when Twilio cannot be reached at all (nothing was sent)', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const t = await smsRoom({ apiBaseUrl: `http://127.0.0.1:${port}` });
    const event = await t.send({ type: 'text', text: 'nobody home' });
    // openTestEngine allows four attempts.
    expect(await customerDelivery(t.engine, event.id, 'tw-sms')).toMatchObject({ status: 'failed', attempts: 4, error: { code: 'network' } });
  });

  it('never puts the Auth Token in a delivery error', async () => {
    const t = await smsRoom();
    t.twilio.faults.push(twilioErrorAnswer(401, 20003, 'Authenticate'));
    const event = await t.send({ type: 'text', text: 'x' });
    const delivery = await customerDelivery(t.engine, event.id, 'tw-sms');
    expect(delivery).toMatchObject({ status: 'failed', error: { code: 'twilio_20003' } });
    expect(JSON.stringify(delivery)).not.toContain(AUTH_TOKEN);
    expect(JSON.stringify(delivery)).not.toContain(Buffer.from(AUTH_TOKEN).toString('base64').slice(0, 12));
  });
});

describe('configuration', () => {
  function refusal(options: Record<string, unknown>): { code: string; field?: string } {
    try {
      createTwilioProvider(options as never);
    } catch (error) {
      return error as never;
    }
    throw new Error('expected the options to be refused');
  }

  it('refuses malformed credentials and SIDs, naming the option', () => {
    expect(refusal({ accountSid: 'AC123', authToken: 't' })).toMatchObject({ code: 'invalid_input', field: 'accountSid' });
    expect(refusal({ accountSid: ACCOUNT_SID })).toMatchObject({ code: 'invalid_input', field: 'authToken' });
    expect(refusal({ accountSid: ACCOUNT_SID, apiKeySid: 'SK1', apiKeySecret: 's' })).toMatchObject({ field: 'apiKeySid' });
    expect(refusal({ accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID })).toMatchObject({ field: 'apiKeySecret' });
    expect(refusal({ accountSid: ACCOUNT_SID, authToken: 't', messagingServiceSid: 'MG1' })).toMatchObject({ field: 'messagingServiceSid' });
    expect(() => createTwilioProvider({ accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET })).not.toThrow();
  });

  it('fails a send when the channel has no sender (neither From nor a Messaging Service), without calling Twilio', async () => {
    const t = await smsRoom({ from: undefined });
    const event = await t.send({ type: 'text', text: 'from whom?' });
    expect(t.twilio.server.requests).toHaveLength(0);
    expect(await customerDelivery(t.engine, event.id, 'tw-sms')).toMatchObject({ status: 'failed', error: { code: 'not_configured' } });
  });
});
