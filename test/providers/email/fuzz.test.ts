// No inbound mail crashes the engine or stores half a request (DESIGN.md section 14): signed and
// unsigned, JSON and raw MIME, well-formed and hostile (junk in every field the email provider
// reads, nasty keys, broken MIME, random bytes, thread headers naming real and unknown mails) get
// 200 or a 4xx, never a 5xx, and a refused request stores nothing. Seeded: FUZZ_SEED=<n> replays a run.
import { afterEach, describe, expect, it } from 'vitest';
import { RoomwireError, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhookBody, type InboundRequest } from '../../../runtime/src';
import { cleanupAll, openRowCounter } from '../../runtime/support/engine';
import { Random, junk, NASTY_KEYS } from '../../runtime/support/random';
import { recordUnhandledRejections } from '../../support/unhandled';
import { CUSTOMER, INBOUND_SECRET, SUPPORT, closeEmailServers, openEmailEngine, roomWith } from './support/engine';
import { mime } from './support/mime';

const SEED = Number(process.env.FUZZ_SEED ?? 0xe3a1);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);

const unhandledRejections = recordUnhandledRejections();
afterEach(async () => {
  await cleanupAll();
  await closeEmailServers();
  expect(unhandledRejections()).toEqual([]);
  expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
});

const READ_FIELDS = ['from', 'to', 'cc', 'envelope', 'subject', 'text', 'html', 'headers', 'attachments'];
const ODD_VALUES = ['', ' ', '<>', '<@>', 'a@b', '@', 'x'.repeat(5000), '\u0000', '\ud800', '=?utf-8?B?AAAA?=', '<a@b> <c@d>', 'javascript:alert(1)', '> quoted', 'On x wrote:'];

/** A junk value as header text (a deep junk array would overflow String()). */
function line(r: Random, known: string[]): string {
  try {
    return String(value(r, known)).slice(0, 2000);
  } catch {
    return '[deep]';
  }
}

function value(r: Random, known: string[]): unknown {
  if (r.chance(0.4)) return r.pick(ODD_VALUES);
  if (r.chance(0.2)) return r.pick(known);
  return junk(r, known);
}

describe('fuzz: inbound mail', () => {
  it('answers 200 or a 4xx, and stores nothing when it refuses', async () => {
    const t = await openEmailEngine();
    await t.registerEmail();
    const { room, b } = await roomWith(t.engine, [
      { channelId: 'mail', address: CUSTOMER },
      { channelId: 'console', address: 'agent' },
    ]);
    for (let i = 0; i < 2; i++) await t.engine.call('sendEvent', { roomId: room.id, bindingId: b.console!.id, content: { type: 'text', text: `r${i}` } });
    await t.engine.idle();
    const sent = t.smtp.mails.map((m) => m.parsed.messageId!);
    const known = [...sent, CUSTOMER, room.id, `support+${room.id}@example.com`];
    const wellFormedMime = await mime({ from: CUSTOMER, to: SUPPORT, subject: 'hi', text: 'hello', inReplyTo: sent[0] });

    const counter = await openRowCounter(t.path);
    const r = new Random(SEED);
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < 200 * SCALE; i++) {
      let body: Buffer;
      let contentType = 'application/json';
      const kind = r.int(10);
      if (kind < 7) {
        const mail: Record<string, unknown> = {
          from: r.pick([CUSTOMER, `Ada <${CUSTOMER}>`, `x${r.int(1000)}@example.net`]),
          to: r.pick([SUPPORT, `support+${room.id}@example.com`]),
          text: 'hello',
          headers: { 'Message-ID': `<m${r.int(50)}@example.org>`, 'In-Reply-To': r.pick(sent), References: sent.join(' ') },
        };
        for (let n = r.int(4); n > 0; n--) mail[r.chance(0.85) ? r.pick(READ_FIELDS) : r.pick(NASTY_KEYS)] = value(r, known);
        if (r.chance(0.2)) (mail.headers as Record<string, unknown>) = { [r.pick(['Message-ID', 'In-Reply-To', 'References', 'Auto-Submitted', '__proto__'])]: value(r, known) };
        if (r.chance(0.1)) delete mail[r.pick(Object.keys(mail))];
        let text: string;
        try {
          text = JSON.stringify(mail) ?? 'null';
        } catch {
          text = '{"from":';
        }
        body = Buffer.from(text);
      } else if (kind < 9) {
        contentType = 'message/rfc822';
        const lines = wellFormedMime.split('\r\n');
        for (let n = r.int(4); n > 0; n--) lines[r.int(lines.length)] = line(r, known);
        body = Buffer.from(lines.join('\r\n'));
      } else {
        contentType = r.pick(['message/rfc822', 'application/json', 'text/plain', '']);
        body = Buffer.from(Array.from({ length: r.int(400) }, () => r.int(256)));
      }
      const headers: InboundRequest['headers'] = { 'content-type': contentType };
      const signing = r.int(10);
      const timestamp = Math.floor(Date.now() / 1000);
      if (signing < 8) {
        headers[TIMESTAMP_HEADER] = String(timestamp);
        headers[SIGNATURE_HEADER] = signWebhookBody(INBOUND_SECRET, timestamp, body);
      } else if (signing === 8) {
        headers.authorization = r.pick([`Basic ${Buffer.from(`x:${INBOUND_SECRET}`).toString('base64')}`, 'Basic !!!', `Basic ${Buffer.from('x:wrong').toString('base64')}`, 'Bearer x']);
      }
      const channel = r.chance(0.95) ? 'mail' : r.pick(['console', 'nope', '__proto__']);
      const request: InboundRequest = { method: 'POST', url: `${t.localUrl}/webhook/${channel}`, headers, rawBody: body };
      await t.engine.idle();
      const before = await counter.counts();
      try {
        const result = await t.engine.handleWebhook(channel, request);
        expect(result.status).toBe(200);
        const accepted = (result.body as { accepted: { kind: string }[] }).accepted;
        for (const item of accepted) outcomes[item.kind] = (outcomes[item.kind] ?? 0) + 1;
        if (accepted.length === 0) outcomes.nothing = (outcomes.nothing ?? 0) + 1;
      } catch (error) {
        if (!(error instanceof RoomwireError) || error.httpStatus < 400 || error.httpStatus >= 500) {
          throw new Error(`seed ${SEED} case ${i}: ${String((error as Error)?.stack ?? error)} for ${body.toString('utf8').slice(0, 300)}`);
        }
        outcomes[error.code] = (outcomes[error.code] ?? 0) + 1;
        await t.engine.idle();
        const after = await counter.counts();
        if (JSON.stringify(after) !== JSON.stringify(before)) {
          throw new Error(`seed ${SEED} case ${i}: a refused request (${error.message}) stored rows: ${body.toString('utf8').slice(0, 300)}`);
        }
      }
    }
    // The run reached every outcome: stored messages as well as each kind of refusal.
    for (const outcome of ['message', 'unauthorized', 'forbidden', 'invalid_input', 'not_found']) expect(outcomes[outcome], outcome).toBeGreaterThan(3);
  }, 120_000);
});
