// A text longer than one provider request can carry goes out as several messages, in order, each
// with its own idempotency key (`<event id>:<binding id>:<n>`), so a retry after a partial failure
// never makes a provider that honours keys send the first parts twice.
import { afterEach, describe, expect, it } from 'vitest';
import { body, broadcast, closeAll, deliveryTo, openEngine, createRoom } from './support';

afterEach(closeAll);

// A gateway without concatenation: every request is one SMS of at most 160 GSM-7 characters.
const SINGLE_SEGMENT_GATEWAY = { id: 'sms-gateway', type: 'sms', profile: 'sms', profileOverride: { maxTextLength: 160 } };
const ADDRESS = '+15550003333';

/** 400 GSM-7 characters, each 50-character block numbered so the order is visible. */
const LONG_TEXT = Array.from({ length: 8 }, (_, i) => `block ${i + 1} `.padEnd(50, '.')).join('');

describe('a long SMS text', () => {
  it('is split into parts sent in order, each with the delivery key and its part number', async () => {
    const { engine, server, requestsTo } = await openEngine([SINGLE_SEGMENT_GATEWAY]);
    const { room, b } = await createRoom(engine, [{ channelId: 'sms-gateway', address: ADDRESS }]);
    const event = await broadcast(engine, room.id, { type: 'text', text: LONG_TEXT });

    const requests = requestsTo('sms-gateway');
    const texts = requests.map((r) => body(r).content.text as string);
    expect(texts.map((t) => t.length)).toEqual([153, 153, 94]);
    expect(texts.join('')).toBe(LONG_TEXT);
    const key = `${event.id}:${b[ADDRESS]!.id}`;
    expect(requests.map((r) => r.headers['idempotency-key'])).toEqual([`${key}:1`, `${key}:2`, `${key}:3`]);
    // All parts belong to one delivery, sent once (no retry).
    const delivery = await deliveryTo(engine, event.id, b[ADDRESS]!);
    expect(new Set(requests.map((r) => body(r).deliveryId))).toEqual(new Set([delivery.id]));
    expect(server.requests).toHaveLength(3);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(delivery.sent).toEqual({
      parts: texts.map((text) => ({ type: 'text', text })),
      degradations: [{ rule: 'text.split', path: '', reason: '400 characters, the channel allows 160 per message: 3 messages' }],
      sms: { encoding: 'GSM-7', segments: 3 },
    });
  });

  it('on the standard SMS profile goes as one concatenated message, unchanged, with nothing recorded', async () => {
    const { engine, requestsTo } = await openEngine();
    const { room, b } = await createRoom(engine, [{ channelId: 'sms', address: ADDRESS }]);
    // 100 UCS-2 units (the lower-case Greek letters are not GSM-7): two segments, one request.
    const text = 'Καλημέρα! '.repeat(10);
    const event = await broadcast(engine, room.id, { type: 'text', text });

    expect(requestsTo('sms').map((r) => body(r).content)).toEqual([{ type: 'text', text }]);
    const delivery = await deliveryTo(engine, event.id, b[ADDRESS]!);
    expect(delivery.sent ?? null).toBeNull();
  });
});
