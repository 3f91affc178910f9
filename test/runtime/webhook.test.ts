// The webhook provider against a real local HTTP server: what it sends, how it retries, how it
// verifies what it receives, and delivery status callbacks.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhookBody, type Delivery, type Json, type Notification, type Provider, type Store } from '../../runtime/src';
import { SECRET, cleanupAll, createRoom, inbound, openTestEngine, query, rejection, rowCounts, send, webhookRequest } from './support/engine';
import { until } from '../support/wait';

afterEach(cleanupAll);

type Engine = import('../../runtime/src').Engine;

async function smsDelivery(engine: Engine, eventId: string): Promise<Delivery> {
  const { deliveries } = await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId });
  return deliveries.find((d) => d.channelId === 'sms')!;
}

const SMS_ONLY = [
  { channelId: 'sms', address: '+15550001' },
  { channelId: 'console', address: 'agent-1' },
];

describe('webhook provider: outbound', () => {
  it('POSTs the event as signed JSON with an idempotency key', async () => {
    const { engine, sms } = await openTestEngine();
    sms.respond(() => ({ status: 202, body: JSON.stringify({ id: 'prov-123' }) }));
    const { room, b } = await createRoom(engine, SMS_ONLY);
    const result = await engine.call<{ event: { id: string; index: number; createdAt: string } }>('sendEvent', {
      roomId: room.id,
      bindingId: b['agent-1']!.id,
      content: { type: 'text', text: 'your order shipped' },
      correlationId: 'order-7',
    });
    await engine.idle();
    expect(sms.requests).toHaveLength(1);
    const request = sms.requests[0]!;
    const delivery = await smsDelivery(engine, result.event.id);
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/send/%2B15550001');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toBe(`${result.event.id}:${b['+15550001']!.id}`);
    expect(JSON.parse(request.body.toString())).toEqual({
      deliveryId: delivery.id,
      eventId: result.event.id,
      roomId: room.id,
      index: result.event.index,
      to: '+15550001',
      type: 'message',
      content: { type: 'text', text: 'your order shipped' },
      correlationId: 'order-7',
      createdAt: result.event.createdAt,
    });
    const timestamp = Number(request.headers[TIMESTAMP_HEADER]);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60);
    expect(request.headers[SIGNATURE_HEADER]).toBe(signWebhookBody(SECRET, timestamp, request.body));
    expect(request.headers[SIGNATURE_HEADER]).not.toBe(signWebhookBody('another secret', timestamp, request.body));
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, providerMessageId: 'prov-123', error: null });
  });

  it('retries 5xx with exponential backoff, with the same idempotency key, until it succeeds', async () => {
    const { engine, sms } = await openTestEngine({ delivery: { baseBackoffMs: 40, maxBackoffMs: 1000, maxAttempts: 5 } });
    sms.respond((_r, i) => ({ status: [503, 502, 500, 200][i] ?? 200 }));
    const { room, b } = await createRoom(engine, SMS_ONLY);
    const event = await send(engine, room.id, { bindingId: b['agent-1']!.id });
    await engine.idle();
    expect(sms.requests).toHaveLength(4);
    expect(new Set(sms.requests.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect(new Set(sms.requests.map((r) => JSON.parse(r.body.toString()).deliveryId)).size).toBe(1);
    // Full jitter in [ceiling/2, ceiling], ceiling = 40 ms × 2^(attempt-1).
    const gaps = sms.requests.slice(1).map((r, i) => r.at - sms.requests[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[1]).toBeGreaterThanOrEqual(38);
    expect(gaps[2]).toBeGreaterThanOrEqual(78);
    expect(await smsDelivery(engine, event.id)).toMatchObject({ status: 'delivered', attempts: 4 });
  });

  it('retries a timeout and a connection reset, then succeeds', async () => {
    const { engine, sms } = await openTestEngine({ webhookTimeoutMs: 100 });
    sms.respond((_r, i) => (i === 0 ? 'hang' : i === 1 ? 'reset' : { status: 200 }));
    const { room, b } = await createRoom(engine, SMS_ONLY);
    const event = await send(engine, room.id, { bindingId: b['agent-1']!.id });
    await engine.idle();
    expect(sms.requests).toHaveLength(3);
    expect(sms.requests[1]!.at - sms.requests[0]!.at).toBeGreaterThanOrEqual(95);
    expect(await smsDelivery(engine, event.id)).toMatchObject({ status: 'delivered', attempts: 3 });
  });

  it('does not retry a 4xx: the delivery fails with the HTTP status as its code', async () => {
    const { engine, sms } = await openTestEngine();
    const { room, b } = await createRoom(engine, SMS_ONLY);
    for (const status of [400, 401, 404, 422]) {
      sms.respond(() => ({ status }));
      const before = sms.requests.length;
      const event = await send(engine, room.id, { bindingId: b['agent-1']!.id });
      await engine.idle();
      expect(sms.requests.length - before).toBe(1);
      expect(await smsDelivery(engine, event.id)).toMatchObject({ status: 'failed', attempts: 1, error: { code: `http_${status}` } });
    }
  });

  it('retries 408 and 429 (try again later), and gives up after the maximum attempts', async () => {
    const { engine, sms } = await openTestEngine({ delivery: { baseBackoffMs: 2, maxBackoffMs: 10, maxAttempts: 3 } });
    const { room, b } = await createRoom(engine, SMS_ONLY);
    sms.respond((_r, i) => ({ status: i === 0 ? 429 : i === 1 ? 408 : 200 }));
    const retried = await send(engine, room.id, { bindingId: b['agent-1']!.id });
    await engine.idle();
    expect(await smsDelivery(engine, retried.id)).toMatchObject({ status: 'delivered', attempts: 3 });
    sms.respond(() => ({ status: 503 }));
    const before = sms.requests.length;
    const doomed = await send(engine, room.id, { bindingId: b['agent-1']!.id });
    await engine.idle();
    expect(sms.requests.length - before).toBe(3);
    expect(await smsDelivery(engine, doomed.id)).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'http_503' } });
  });
});

describe('webhook provider: inbound signature', () => {
  const body = { from: '+15550001', text: 'signed?' };

  it('missing → 401, wrong → 403, stale → 403, tampered → 403, correct → accepted; rejected requests store nothing', async () => {
    const { engine, path } = await openTestEngine();
    const before = await rowCounts(path);
    const now = Math.floor(Date.now() / 1000);
    const missing = await rejection(engine.handleWebhook('sms', webhookRequest(body, { secret: null })));
    expect(missing).toMatchObject({ code: 'unauthorized', httpStatus: 401 });
    const onlyTimestamp = webhookRequest(body);
    delete onlyTimestamp.headers[SIGNATURE_HEADER];
    expect((await rejection(engine.handleWebhook('sms', onlyTimestamp))).httpStatus).toBe(401);
    expect(await rejection(engine.handleWebhook('sms', webhookRequest(body, { secret: 'wrong secret' })))).toMatchObject({ code: 'forbidden', httpStatus: 403 });
    expect(await rejection(engine.handleWebhook('sms', webhookRequest(body, { signature: 'sha256=00' })))).toMatchObject({ httpStatus: 403 });
    expect(await rejection(engine.handleWebhook('sms', webhookRequest(body, { timestamp: now - 301 })))).toMatchObject({ httpStatus: 403 });
    expect(await rejection(engine.handleWebhook('sms', webhookRequest(body, { timestamp: now + 301 })))).toMatchObject({ httpStatus: 403 });
    const tampered = webhookRequest(body);
    tampered.rawBody = Buffer.from(JSON.stringify({ ...body, text: 'tampered' }));
    expect(await rejection(engine.handleWebhook('sms', tampered))).toMatchObject({ httpStatus: 403 });
    const garbageTimestamp = webhookRequest(body);
    garbageTimestamp.headers[TIMESTAMP_HEADER] = 'yesterday';
    expect((await rejection(engine.handleWebhook('sms', garbageTimestamp))).httpStatus).toBe(403);
    // The secret never appears in an error.
    expect(missing.message).not.toContain(SECRET);
    expect(await rowCounts(path)).toEqual(before);

    const accepted = await engine.handleWebhook('sms', webhookRequest(body, { timestamp: now - 250 }));
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ accepted: [{ kind: 'message', status: 'committed', duplicate: false }] });
  });

  it('a channel without a secret accepts unsigned requests; a channel without inbound is 404', async () => {
    const { engine } = await openTestEngine({ secret: null });
    expect((await engine.handleWebhook('sms', webhookRequest({ from: '+15550100', text: 'x' }, { secret: null }))).status).toBe(200);
    expect(await rejection(engine.handleWebhook('web', webhookRequest({ from: 'x', text: 'x' })))).toMatchObject({ code: 'not_found', httpStatus: 404 });
    expect(await rejection(engine.handleWebhook('nope', webhookRequest({ from: 'x', text: 'x' })))).toMatchObject({ code: 'not_found' });
  });
});

describe('delivery status callbacks', () => {
  async function deliveredEvent() {
    const test = await openTestEngine();
    test.sms.respond(() => ({ status: 200, body: JSON.stringify({ id: 'prov-1' }) }));
    const { room, b } = await createRoom(test.engine, SMS_ONLY);
    const event = await test.engine.call<{ event: { id: string } }>('sendEvent', {
      roomId: room.id,
      bindingId: b['agent-1']!.id,
      content: { type: 'text', text: 'x' },
      correlationId: 'corr-9',
    });
    await test.engine.idle();
    const status = (status: string, by: 'messageId' | 'deliveryId' = 'messageId', id?: string) =>
      test.engine.handleWebhook('sms', webhookRequest({ type: 'status', status, [by]: id ?? 'prov-1' }));
    return { ...test, eventId: event.event.id, status };
  }

  it('only move forward: delivered then sent stays delivered; read is final', async () => {
    const { engine, eventId, status } = await deliveredEvent();
    expect((await smsDelivery(engine, eventId)).status).toBe('delivered');
    expect((await status('sent')).body).toEqual({ accepted: [{ kind: 'status', deliveryId: expect.any(String), status: 'delivered' }] });
    expect((await smsDelivery(engine, eventId)).status).toBe('delivered');
    await status('failed');
    expect((await smsDelivery(engine, eventId)).status).toBe('delivered');
    await status('read');
    await status('delivered');
    await status('undelivered');
    expect(await smsDelivery(engine, eventId)).toMatchObject({ status: 'read', error: null });
  });

  it('arriving out of order (read before delivered) end at the furthest status, and are announced with the correlation id', async () => {
    const { engine, eventId, status } = await deliveredEvent();
    const delivery = await smsDelivery(engine, eventId);
    const seen: Notification[] = [];
    engine.subscribe((n) => n.kind === 'delivery' && seen.push(n));
    await status('read', 'deliveryId', delivery.id);
    await status('sent', 'deliveryId', delivery.id);
    await status('delivered', 'deliveryId', delivery.id);
    expect((await smsDelivery(engine, eventId)).status).toBe('read');
    await engine.idle();
    // Only the change that moved the status is announced.
    expect(seen.map((n) => n.kind === 'delivery' && [n.delivery.status, n.event.id, n.event.correlationId])).toEqual([['read', eventId, 'corr-9']]);
  });

  it('a callback for an unknown delivery, or for another channel, is 404 and changes nothing', async () => {
    const { engine, eventId, status, path } = await deliveredEvent();
    expect(await rejection(status('read', 'messageId', 'prov-unknown'))).toMatchObject({ code: 'not_found', httpStatus: 404 });
    expect(await rejection(status('read', 'deliveryId', 'dlv_unknown'))).toMatchObject({ code: 'not_found' });
    const system = await send(engine, (await engine.call<{ rooms: { id: string }[] }>('listRooms', {})).rooms[0]!.id, { text: 'to all' });
    await engine.idle();
    const before = await rowCounts(path);
    const { deliveries } = await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId: system.id });
    const console = deliveries.find((d) => d.channelId === 'console')!;
    expect(await rejection(status('read', 'deliveryId', console.id))).toMatchObject({ code: 'not_found' });
    expect((await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId: system.id })).deliveries).toEqual(deliveries);
    expect((await smsDelivery(engine, eventId)).status).toBe('delivered');
    expect(await rowCounts(path)).toEqual(before);
  });
});

/**
 * A channel whose provider keeps whatever JSON it is sent as the payload (as a third-party
 * provider may) and reads `from`, `text` and `id` from it when they are there; returns its poster.
 */
async function lenientChannel(engine: Engine): Promise<(body: Json) => ReturnType<Engine['handleWebhook']>> {
  const keepsAnything: Provider = {
    name: 'keeps-anything',
    send: async () => ({ status: 'delivered', providerMessageId: null }),
    parseInbound: (request) => {
      const raw = JSON.parse(request.rawBody.toString()) as Json;
      const fields = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as { from?: string; text?: string; id?: string };
      return [{ kind: 'message', from: fields.from ?? '+15550009', content: { type: 'text', text: fields.text ?? 'hi' }, providerMessageId: fields.id, raw }];
    },
  };
  await engine.registerChannel({ id: 'lenient', type: 'sms', provider: keepsAnything });
  return (body) => engine.handleWebhook('lenient', { method: 'POST', url: 'http://127.0.0.1/webhook/lenient', headers: {}, rawBody: Buffer.from(JSON.stringify(body)) });
}

describe('inbound messages', () => {
  it('carry the provider payload unmodified and the correlation id', async () => {
    const { engine } = await openTestEngine();
    const { room } = await createRoom(engine);
    const raw = { from: '+15550001', text: 'hi', id: 'SM-raw', correlationId: 'c-77', metadata: { carrier: 'x' } };
    const accepted = await inbound(engine, raw);
    const { events } = await engine.call<{ events: { id: string; source: { raw: unknown; providerMessageId: string; provider: string }; correlationId: string; direction: string; metadata: unknown }[] }>(
      'getTimeline',
      { roomId: room.id, fromIndex: accepted.index, limit: 1 },
    );
    expect(events[0]).toMatchObject({ id: accepted.eventId, correlationId: 'c-77', direction: 'inbound', metadata: { carrier: 'x' }, source: { raw, providerMessageId: 'SM-raw', provider: 'webhook' } });
  });

  it("a provider's payload nested deeper than 64 levels is refused (400, naming raw) and stores nothing; at 64 levels it is kept", async () => {
    const { engine, path } = await openTestEngine();
    const nested = (levels: number): Json => (levels === 0 ? 'x' : [nested(levels - 1)]);
    const post = await lenientChannel(engine);
    const before = await rowCounts(path);
    // 1,100 levels: past SQLite's own JSON limit (1,000) too.
    for (const levels of [65, 1_100]) {
      expect(await rejection(post(nested(levels)))).toMatchObject({ code: 'invalid_input', field: 'raw', httpStatus: 400 });
    }
    expect(await rowCounts(path)).toEqual(before);
    expect((await post(nested(64))).body).toMatchObject({ accepted: [{ kind: 'message', status: 'committed' }] });
  });

  it("one sender's messages go into their room in the order they arrived, even when the store answers the first one's lookup last", async () => {
    const { engine, path } = await openTestEngine();
    // The retry lookup of the first message answers only once the two after it were announced, or
    // after 300 ms: without the sender's section they overtake it, with it they wait behind it.
    const announced: string[] = [];
    engine.subscribe((n) => {
      if (n.kind === 'event' && n.event.type === 'message') announced.push(String(n.event.content.text));
    });
    const store = (engine as unknown as { parts: { store: Store } }).parts.store;
    const lookup = store.findEventByProviderMessageId.bind(store);
    vi.spyOn(store, 'findEventByProviderMessageId').mockImplementation(async (channelId, id) => {
      if (id === 'order-0') await until(() => announced.length >= 2, 'the later messages', 300).catch(() => undefined);
      return lookup(channelId, id);
    });
    const post = await lenientChannel(engine);
    await Promise.all([0, 1, 2].map((n) => post({ from: '+15550042', text: `m${n}`, id: `order-${n}` })));
    expect(announced).toEqual(['m0', 'm1', 'm2']);
    const [{ texts }] = (await query<{ texts: string }>(path, "SELECT group_concat(json_extract(data, '$.content.text'), ',') AS texts FROM (SELECT data FROM events WHERE type = 'message' ORDER BY idx)")) as [{ texts: string }];
    expect(texts).toBe('m0,m1,m2');
  });
});
