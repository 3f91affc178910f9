// No Twilio webhook crashes the engine or stores half a request (DESIGN.md section 14): signed and
// unsigned, well-formed and hostile form posts (junk values in every field Roomwire reads, nasty
// names, broken encodings, random bytes, unknown delivery ids) get 200 or a 4xx, never a 5xx, and
// a rejected request stores nothing. Seeded: FUZZ_SEED=<n> replays a run.
import { afterEach, describe, expect, it } from 'vitest';
import { RoomwireError, type InboundRequest } from '../../../runtime/src';
import { cleanupAll, openRowCounter } from '../../runtime/support/engine';
import { Random, junk, NASTY_KEYS } from '../../runtime/support/random';
import { incomingSms, officialSignature, type Params } from './support/twilio';
import { CUSTOMER, TWILIO_NUMBER, closeTwilioServers, openTwilioEngine } from './support/engine';
import { recordUnhandledRejections } from '../../support/unhandled';

const SEED = Number(process.env.FUZZ_SEED ?? 0x7711);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);

const unhandledRejections = recordUnhandledRejections();
afterEach(async () => {
  await cleanupAll();
  await closeTwilioServers();
  expect(unhandledRejections()).toEqual([]);
  expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
});

const READ_FIELDS = [
  'MessageSid', 'From', 'Body', 'NumMedia', 'MediaUrl0', 'MediaContentType0', 'MediaUrl1', 'Latitude', 'Longitude', 'Label', 'Address',
  'ButtonText', 'ButtonPayload', 'ProfileName', 'MessageStatus', 'ErrorCode', 'ErrorMessage',
];
const ODD_VALUES = ['', ' ', '0', '-1', '11', '99', '1e3', 'NaN', 'Infinity', '\u0000', '\ud800', 'whatsapp:', 'whatsapp:+1', 'x'.repeat(5000), 'https://', 'javascript:alert(1)'];

function text(r: Random, known: string[]): string {
  if (r.chance(0.5)) return r.pick(ODD_VALUES);
  const value = junk(r, known);
  if (typeof value === 'string') return value;
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 3000);
  } catch {
    return '[circular]';
  }
}

/** Form bytes that are not quite what URLSearchParams would write: raw `%` escapes, lone surrogates. */
function oddBody(r: Random): string {
  return r.pick(['Body=%ED%A0%80&From=%2B15550001&MessageSid=SM1', 'Body=%zz&From=+1555&MessageSid=SM2', '&&&==&', 'a=1&a=2&a=1', '%', '']);
}

describe('fuzz: Twilio webhooks', () => {
  it('answer 200 or a 4xx, and store nothing when they refuse', async () => {
    const t = await openTwilioEngine();
    await t.registerTwilio('tw-sms', 'sms');
    await t.registerTwilio('tw-wa', 'whatsapp');
    // A few real deliveries for status callbacks to find.
    await t.webhook('tw-sms', incomingSms(CUSTOMER, TWILIO_NUMBER, 'hi'));
    const { rooms } = await t.engine.call<{ rooms: { id: string }[] }>('listRooms', {});
    const { binding } = await t.engine.call<{ binding: { id: string } }>('attachBinding', { roomId: rooms[0]!.id, channelId: 'console', address: 'agent' });
    for (let i = 0; i < 3; i++) await t.engine.call('sendEvent', { roomId: rooms[0]!.id, bindingId: binding.id, content: { type: 'text', text: `r${i}` } });
    await t.engine.idle();
    const deliveryIds = t.twilio.messages.map((m) => String(m.fields.StatusCallback).split('deliveryId=')[1]!);
    const sids = t.twilio.messages.map((m) => m.sid);
    const known = [...deliveryIds, ...sids, CUSTOMER, rooms[0]!.id];

    const counter = await openRowCounter(t.path);
    const r = new Random(SEED);
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < 800 * SCALE; i++) {
      const channel = r.chance(0.95) ? r.pick(['tw-sms', 'tw-wa']) : r.pick(['console', 'nope', '__proto__']);
      const status = r.chance(0.35);
      const params: Params = status
        ? { MessageSid: r.pick(sids), MessageStatus: r.pick(['sent', 'delivered', 'read', 'failed', 'undelivered', 'queued', 'canceled']), AccountSid: 'AC1' }
        : incomingSms(channel === 'tw-wa' ? `whatsapp:${CUSTOMER}` : r.pick([CUSTOMER, `+1555${r.int(10_000)}`]), TWILIO_NUMBER, 'hello');
      for (let n = r.int(4); n > 0; n--) params[r.chance(0.85) ? r.pick(READ_FIELDS) : r.pick(NASTY_KEYS)] = r.chance(0.2) ? [text(r, known), text(r, known)] : text(r, known);
      if (r.chance(0.1)) delete params[r.pick(Object.keys(params))];
      const query = r.chance(0.5) ? `?${new URLSearchParams({ deliveryId: r.chance(0.7) ? r.pick(deliveryIds) : text(r, known).slice(0, 300) })}` : '';
      const publicUrl = `${t.webhookUrl(channel)}${query}`;
      let body = new URLSearchParams(Object.entries(params).flatMap(([k, v]) => [v].flat().map((one) => [k, one]))).toString();
      if (r.chance(0.05)) body = oddBody(r);
      if (r.chance(0.03)) body = Buffer.from(Array.from({ length: r.int(300) }, () => r.int(256))).toString('latin1');
      const signed = Object.fromEntries([...new URLSearchParams(body)].reduce((m, [k, v]) => m.set(k, [...(m.get(k) ?? []), v]), new Map<string, string[]>()));
      const headers: InboundRequest['headers'] = { 'content-type': r.chance(0.95) ? 'application/x-www-form-urlencoded' : 'application/json' };
      const signing = r.int(10);
      if (signing < 8) headers['x-twilio-signature'] = officialSignature(publicUrl, signed);
      else if (signing === 8) headers['x-twilio-signature'] = [officialSignature(publicUrl, signed, 'wrong'), 'x'];
      const request: InboundRequest = { method: 'POST', url: `${t.localUrl}/webhook/${channel}${query}`, headers, rawBody: Buffer.from(body, 'latin1') };
      await t.engine.idle();
      const before = await counter.counts();
      try {
        const result = await t.engine.handleWebhook(channel, request);
        expect(result.status).toBe(200);
        for (const item of (result.body as { accepted: { kind: string }[] }).accepted) outcomes[item.kind] = (outcomes[item.kind] ?? 0) + 1;
      } catch (error) {
        if (!(error instanceof RoomwireError) || error.httpStatus < 400 || error.httpStatus >= 500) {
          throw new Error(`seed ${SEED} case ${i}: ${String((error as Error)?.stack ?? error)} for ${body.slice(0, 300)}`);
        }
        outcomes[error.code] = (outcomes[error.code] ?? 0) + 1;
        await t.engine.idle();
        const after = await counter.counts();
        if (JSON.stringify(after) !== JSON.stringify(before)) {
          throw new Error(`seed ${SEED} case ${i}: a refused request (${error.message}) stored rows: ${body.slice(0, 300)}`);
        }
      }
    }
    // The run reached every outcome: stored messages and statuses as well as each kind of refusal.
    for (const outcome of ['message', 'status', 'unauthorized', 'forbidden', 'invalid_input', 'not_found']) expect(outcomes[outcome], outcome).toBeGreaterThan(5);
  }, 120_000);
});
