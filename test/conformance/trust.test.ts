// DESIGN.md sections 3 and 14: a write is only as trusted as the channel it arrived through, a
// signed request counts once, and every string that enters the store is well-formed Unicode.
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookProvider, type Binding, type RoomEvent } from '../../runtime/src';
import { SECRET, cleanupAll, createRoom, openTestEngine, rejection, rowCounts, timeline, webhookRequest } from '../runtime/support/engine';

afterEach(cleanupAll);

type Engine = import('../../runtime/src').Engine;

/** A second channel of the `sms` type whose requests need no signature. */
async function withUnsignedSmsChannel(engine: Engine): Promise<void> {
  await engine.registerChannel({ id: 'sms-open', type: 'sms', provider: createWebhookProvider({}) });
}

async function post(engine: Engine, channelId: string, body: Record<string, unknown>, signed = channelId === 'sms') {
  const result = await engine.handleWebhook(channelId, webhookRequest(body, { secret: signed ? SECRET : null }));
  return (result.body as { accepted: { eventId: string; roomId: string; duplicate: boolean }[] }).accepted[0]!;
}

async function eventById(engine: Engine, roomId: string, eventId: string): Promise<RoomEvent> {
  return (await timeline(engine, roomId, { audit: true })).find((e) => e.id === eventId)!;
}

describe('DESIGN §14 trust follows the arrival channel', () => {
  it('14 an unsigned channel of the same type never writes as a binding of the signed channel', async () => {
    const { engine } = await openTestEngine();
    await withUnsignedSmsChannel(engine);
    const { room, b } = await createRoom(engine, [
      { channelId: 'sms', address: '+15550001' },
      { channelId: 'console', address: 'agent-1' },
    ]);
    // Through the signed channel, the customer's own binding speaks.
    const genuine = await post(engine, 'sms', { from: '+15550001', text: 'signed hello' });
    expect((await eventById(engine, room.id, genuine.eventId)).source).toMatchObject({ channelId: 'sms', bindingId: b['+15550001']!.id });

    // With an explicit roomId: the address has no binding on the arrival channel there.
    const explicit = await rejection(engine.handleWebhook('sms-open', webhookRequest({ from: '+15550001', text: 'forged', roomId: room.id }, { secret: null })));
    expect(explicit).toMatchObject({ code: 'forbidden', field: 'roomId' });
    // Routed by identity: the event names the channel it really came through, never the signed binding.
    const routed = await post(engine, 'sms-open', { from: '+15550001', text: 'forged' });
    const routedEvent = await eventById(engine, routed.roomId, routed.eventId);
    expect(routedEvent.source.channelId).toBe('sms-open');
    expect(routedEvent.source.bindingId).not.toBe(b['+15550001']!.id);
    const signedMessages = (await timeline(engine, room.id, { audit: true })).filter((e) => e.type === 'message' && e.source.channelId === 'sms');
    expect(signedMessages.map((e) => e.content.text)).toEqual(['signed hello']);
  });

  it('14 identity may choose the room: the message joins it as a binding of the channel it came through', async () => {
    const { engine } = await openTestEngine();
    await withUnsignedSmsChannel(engine);
    const { room } = await createRoom(engine, [
      { channelId: 'sms', address: '+15550001' },
      { channelId: 'console', address: 'agent-1' },
    ]);
    const routed = await post(engine, 'sms-open', { from: '+15550001', text: 'from the other number provider' });
    expect(routed.roomId).toBe(room.id);
    const { bindings } = await engine.call<{ bindings: Binding[] }>('getRoom', { roomId: room.id });
    expect(bindings.filter((x) => x.address === '+15550001').map((x) => x.channelId).sort()).toEqual(['sms', 'sms-open']);
  });

  it('14 a provider retry of a message routed through identity is deduplicated by its arrival channel', async () => {
    const { engine, path } = await openTestEngine();
    await withUnsignedSmsChannel(engine);
    await createRoom(engine, [
      { channelId: 'sms', address: '+15550001' },
      { channelId: 'console', address: 'agent-1' },
    ]);
    const first = await post(engine, 'sms-open', { from: '+15550001', text: 'once', id: 'retry-1' });
    const before = await rowCounts(path);
    for (let i = 0; i < 3; i++) {
      const again = await post(engine, 'sms-open', { from: '+15550001', text: 'once', id: 'retry-1' });
      expect(again).toMatchObject({ eventId: first.eventId, duplicate: true });
    }
    expect(await rowCounts(path)).toEqual(before);
  });
});

describe('DESIGN §14 a verified signature is single-use', () => {
  it('14 a signed request without a provider id, replayed within its window, is stored once', async () => {
    const { engine, path } = await openTestEngine();
    await createRoom(engine, [
      { channelId: 'sms', address: '+15550001' },
      { channelId: 'console', address: 'agent-1' },
    ]);
    const signedAt = Math.floor(Date.now() / 1000);
    const request = webhookRequest({ from: '+15550001', text: 'no id here' }, { timestamp: signedAt });
    const first = (await engine.handleWebhook('sms', request)).body as { accepted: { eventId: string; duplicate: boolean }[] };
    const counts = await rowCounts(path);
    const replay = (await engine.handleWebhook('sms', { ...request })).body as { accepted: { eventId: string; duplicate: boolean }[] };
    expect(replay.accepted[0]).toMatchObject({ eventId: first.accepted[0]!.eventId, duplicate: true });
    expect(await rowCounts(path)).toEqual(counts);
    // The same words signed again (a new timestamp: a new message from the provider) are a new message.
    const fresh = (await engine.handleWebhook('sms', webhookRequest({ from: '+15550001', text: 'no id here' }, { timestamp: signedAt - 1 })))
      .body as { accepted: { eventId: string; duplicate: boolean }[] };
    expect(fresh.accepted[0]!.duplicate).toBe(false);
    expect(fresh.accepted[0]!.eventId).not.toBe(first.accepted[0]!.eventId);
  });

  it('14 the replay is refused after a restart too (the store decides, not memory)', async () => {
    const test = await openTestEngine();
    await createRoom(test.engine, [{ channelId: 'sms', address: '+15550001' }]);
    const request = webhookRequest({ from: '+15550001', text: 'once' });
    const first = (await test.engine.handleWebhook('sms', request)).body as { accepted: { eventId: string }[] };
    const engine = await test.restart();
    await test.registerChannels();
    const replay = (await engine.handleWebhook('sms', request)).body as { accepted: { eventId: string; duplicate: boolean }[] };
    expect(replay.accepted[0]).toMatchObject({ eventId: first.accepted[0]!.eventId, duplicate: true });
  });
});

describe('DESIGN §14 every stored string is well-formed Unicode', () => {
  const loneSurrogate = '\udc00bob';

  it('14 a lone surrogate in a provider payload is refused naming the field, and nothing is stored', async () => {
    const { engine, path } = await openTestEngine();
    // A channel type whose addresses are free text, as in the report (`"\udc00bob"`).
    await engine.registerChannel({ id: 'hook-open', type: 'webhook', provider: createWebhookProvider({}) });
    const counts = await rowCounts(path);
    const error = await rejection(engine.handleWebhook('hook-open', webhookRequest({ from: loneSurrogate, text: 'hi' }, { secret: null })));
    expect(error).toMatchObject({ code: 'invalid_input', field: 'from', httpStatus: 400 });
    expect(error.message).toMatch(/surrogate/);
    expect(await rowCounts(path)).toEqual(counts);
    // A well-formed address outside the BMP goes through and is matched again on the next message.
    const first = await post(engine, 'hook-open', { from: '\ud83d\ude00bob', text: 'hi' });
    const second = await post(engine, 'hook-open', { from: '\ud83d\ude00bob', text: 'again' });
    expect(second.roomId).toBe(first.roomId);
  });

  it('14 every operation refuses lone surrogates in values and keys, naming the field', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    const text = await rejection(engine.call('sendEvent', { roomId: room.id, bindingId: b['agent-1']!.id, content: { type: 'text', text: `hi ${loneSurrogate}` } }));
    expect(text).toMatchObject({ code: 'invalid_input', field: 'content.text' });
    const key = await rejection(engine.call('sendEvent', { roomId: room.id, content: { type: 'text', text: 'hi' }, metadata: { ['\ud800']: 1 } }));
    expect(key).toMatchObject({ code: 'invalid_input' });
    expect(key.field).toMatch(/^metadata\./);
    const address = await rejection(engine.call('attachBinding', { roomId: room.id, channelId: 'web', address: loneSurrogate }));
    expect(address).toMatchObject({ code: 'invalid_input', field: 'address' });
  });
});
