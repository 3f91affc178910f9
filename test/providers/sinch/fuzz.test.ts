// No Sinch callback crashes the engine or stores half a request (DESIGN.md section 14): signed and
// unsigned, well-formed and hostile JSON (junk in every field Roomwire reads, nasty keys, broken
// JSON, random bytes, unknown message ids and delivery ids, stale timestamps, reused nonces) gets
// 200 or a 4xx, never a 5xx, and a refused request stores nothing. Seeded: FUZZ_SEED=<n> replays a run.
import { afterEach, describe, expect, it } from 'vitest';
import { RoomwireError, type InboundRequest } from '../../../runtime/src';
import { cleanupAll, openRowCounter } from '../../runtime/support/engine';
import { Random, junk, NASTY_KEYS } from '../../runtime/support/random';
import { recordUnhandledRejections } from '../../support/unhandled';
import { callbackHeaders, deliveryReport, inboundCallback } from './support/sinch';
import { CUSTOMER, closeSinchServers, openSinchEngine } from './support/engine';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5157);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);

const unhandledRejections = recordUnhandledRejections();
afterEach(async () => {
  await cleanupAll();
  await closeSinchServers();
  expect(unhandledRejections()).toEqual([]);
  expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
});

/** Paths Roomwire reads, where junk goes. */
const READ_PATHS = [
  ['message', 'id'],
  ['message', 'channel_identity'],
  ['message', 'channel_identity', 'channel'],
  ['message', 'channel_identity', 'identity'],
  ['message', 'contact_message'],
  ['message', 'contact_message', 'text_message', 'text'],
  ['message', 'contact_message', 'media_message', 'url'],
  ['message', 'contact_message', 'location_message', 'coordinates', 'latitude'],
  ['message', 'contact_message', 'choice_response_message', 'postback_data'],
  ['message', 'contact_message', 'reply_to'],
  ['correlation_id'],
  ['message_metadata'],
  ['message_delivery_report'],
  ['message_delivery_report', 'message_id'],
  ['message_delivery_report', 'status'],
  ['message_delivery_report', 'reason'],
  ['message_delivery_report', 'metadata'],
];

function set(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
}

function contactMessage(r: Random): Record<string, unknown> {
  return r.pick([
    { text_message: { text: 'hello' } },
    { media_message: { url: 'https://m.example/a.jpg' } },
    { media_card_message: { url: 'https://m.example/a.mp4', caption: 'c' } },
    { location_message: { title: 'Home', coordinates: { latitude: 1, longitude: 2 } } },
    { choice_response_message: { message_id: 'X', postback_data: 'YES' } },
    { fallback_message: { raw_message: 'raw' } },
  ]);
}

describe('fuzz: Sinch callbacks', () => {
  it('answer 200 or a 4xx, and store nothing when they refuse', async () => {
    const t = await openSinchEngine();
    await t.registerSinch('sinch-sms', 'sms');
    await t.registerSinch('sinch-wa', 'whatsapp');
    // A few real deliveries for reports to find.
    await t.callback('sinch-sms', inboundCallback('SMS', CUSTOMER.slice(1), { text_message: { text: 'hi' } }));
    const { rooms } = await t.engine.call<{ rooms: { id: string }[] }>('listRooms', {});
    const { binding } = await t.engine.call<{ binding: { id: string } }>('attachBinding', { roomId: rooms[0]!.id, channelId: 'console', address: 'agent' });
    for (let i = 0; i < 3; i++) await t.engine.call('sendEvent', { roomId: rooms[0]!.id, bindingId: binding.id, content: { type: 'text', text: `r${i}` } });
    await t.engine.idle();
    const sent = t.sinch.messages;
    const known = [...sent.map((m) => m.messageId), ...sent.map((m) => String(m.body.message_metadata)), CUSTOMER, rooms[0]!.id];

    const counter = await openRowCounter(t.path);
    const r = new Random(SEED);
    const outcomes: Record<string, number> = {};
    const usedNonces: string[] = [];
    for (let i = 0; i < 800 * SCALE; i++) {
      const channel = r.chance(0.95) ? r.pick(['sinch-sms', 'sinch-wa']) : r.pick(['console', 'nope', '__proto__']);
      const body: Record<string, unknown> = r.chance(0.4)
        ? deliveryReport(r.pick(sent), r.pick(['QUEUED_ON_CHANNEL', 'DELIVERED', 'READ', 'FAILED', 'SWITCHING_CHANNEL', 'QUEUED']), r.chance(0.3) ? { code: 'RECIPIENT_NOT_REACHABLE' } : undefined)
        : inboundCallback(channel === 'sinch-wa' ? 'WHATSAPP' : r.pick(['SMS', 'WHATSAPP']), r.pick([CUSTOMER.slice(1), `4673${r.int(10_000_000)}`]), contactMessage(r));
      for (let n = r.int(3); n > 0; n--) {
        const value = r.chance(0.5) ? junk(r, known) : r.pick(['', ' ', 0, -1, 1e308, null, true, [], {}, '\u0000', '\ud800', 'x'.repeat(5000), 'javascript:alert(1)']);
        if (r.chance(0.9)) set(body, r.pick(READ_PATHS), value);
        else body[r.pick(NASTY_KEYS)] = value;
      }
      let raw: Buffer;
      try {
        raw = Buffer.from(JSON.stringify(body) ?? 'null');
      } catch {
        raw = Buffer.from('{"circular":true}');
      }
      if (r.chance(0.04)) raw = Buffer.from(r.pick(['{', '[]', 'null', '"x"', '{"message":', '']));
      if (r.chance(0.03)) raw = Buffer.from(Array.from({ length: r.int(300) }, () => r.int(256)));
      const signing = r.int(12);
      const nonce = signing === 9 && usedNonces.length > 0 ? r.pick(usedNonces) : `n-${i}`;
      usedNonces.push(nonce);
      const headers: InboundRequest['headers'] = callbackHeaders(raw, {
        nonce,
        signature: signing === 10 ? null : signing === 11 ? 'AAAA' : undefined,
        timestamp: signing === 8 ? Math.floor(Date.now() / 1000) - 3600 : undefined,
      });
      const request: InboundRequest = { method: 'POST', url: `${t.localUrl}/webhook/${channel}`, headers, rawBody: raw };
      await t.engine.idle();
      const before = await counter.counts();
      try {
        const result = await t.engine.handleWebhook(channel, request);
        expect(result.status).toBe(200);
        for (const item of (result.body as { accepted: { kind: string }[] }).accepted) outcomes[item.kind] = (outcomes[item.kind] ?? 0) + 1;
      } catch (error) {
        if (!(error instanceof RoomwireError) || error.httpStatus < 400 || error.httpStatus >= 500) {
          throw new Error(`seed ${SEED} case ${i}: ${String((error as Error)?.stack ?? error)} for ${raw.toString('utf8').slice(0, 300)}`);
        }
        outcomes[error.code] = (outcomes[error.code] ?? 0) + 1;
        await t.engine.idle();
        const after = await counter.counts();
        if (JSON.stringify(after) !== JSON.stringify(before)) {
          throw new Error(`seed ${SEED} case ${i}: a refused request (${error.message}) stored rows: ${raw.toString('utf8').slice(0, 300)}`);
        }
      }
    }
    await counter.close();
    // The run reached every outcome: stored messages and statuses as well as each kind of refusal.
    for (const outcome of ['message', 'status', 'unauthorized', 'forbidden', 'invalid_input', 'not_found']) expect(outcomes[outcome], outcome).toBeGreaterThan(5);
  }, 120_000);
});
