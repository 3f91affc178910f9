// Inbound mail, as JSON from an inbound-parse service and as raw MIME, through a real engine:
// matched to its room by In-Reply-To, then References from the right, then the room's reply
// address, else routed as any first message; quoted history trimmed from what the timeline shows
// (the full mail kept raw); a retried mail stored once; automatic replies never stored; and every
// request verified before anything is stored.
import { afterEach, describe, expect, it } from 'vitest';
import type { Identity, RoomEvent } from '../../../runtime/src';
import { cleanupAll, rowCounts } from '../../runtime/support/engine';
import { CUSTOMER, INBOUND_SECRET, SUPPORT, acceptedOf, closeEmailServers, openEmailEngine, roomWith, signedRequest, type EmailEngine } from './support/engine';
import { mime } from './support/mime';

afterEach(async () => {
  await cleanupAll();
  await closeEmailServers();
});

type Engine = EmailEngine['engine'];

async function messages(engine: Engine, roomId: string): Promise<RoomEvent[]> {
  return (await engine.call<{ events: RoomEvent[] }>('getTimeline', { roomId, limit: 100 })).events.filter((e) => e.type === 'message');
}

async function eventOf(engine: Engine, accepted: { roomId: string; eventId: string }): Promise<RoomEvent> {
  return (await messages(engine, accepted.roomId)).find((e) => e.id === accepted.eventId)!;
}

async function setup(info: Record<string, unknown> = {}) {
  const t = await openEmailEngine();
  await t.registerEmail('mail', {}, info);
  return t;
}

/** Two open rooms of the customer on the mail channel, each with a mail Roomwire sent them. */
async function twoThreads(t: EmailEngine) {
  const rooms: { id: string; sent: string }[] = [];
  for (const text of ['about A', 'about B']) {
    const { room, b } = await roomWith(t.engine, [
      { channelId: 'mail', address: CUSTOMER },
      { channelId: 'console', address: 'agent-1' },
    ]);
    await t.engine.call('sendEvent', { roomId: room.id, bindingId: b.console!.id, content: { type: 'text', text } });
    await t.engine.idle();
    rooms.push({ id: room.id, sent: t.smtp.mails.at(-1)!.parsed.messageId! });
  }
  return { a: rooms[0]!, b: rooms[1]! };
}

function reply(headers: Record<string, string>, extra: Record<string, unknown> = {}) {
  return { from: `Ada Lovelace <${CUSTOMER}>`, to: SUPPORT, subject: 'Re: hello', text: 'my answer', headers: { 'Message-ID': `<${Math.random().toString(36).slice(2)}@example.org>`, ...headers }, ...extra };
}

describe('matching a mail to its room', () => {
  it('by In-Reply-To first, over References and the reply address', async () => {
    const t = await setup();
    const { a, b } = await twoThreads(t);
    const answer = await t.inboundJson(reply({ 'In-Reply-To': a.sent, References: `${b.sent}` }, { to: `support+${b.id}@example.com` }));
    expect(acceptedOf(answer)[0]!.roomId).toBe(a.id);
  });

  it('by References from the right when In-Reply-To names nothing known', async () => {
    const t = await setup();
    const { a, b } = await twoThreads(t);
    const answer = await t.inboundJson(reply({ 'In-Reply-To': '<unknown@elsewhere>', References: `${a.sent} ${b.sent} <unknown@elsewhere>` }, { to: `support+${a.id}@example.com` }));
    expect(acceptedOf(answer)[0]!.roomId).toBe(b.id);
  });

  it('by the plus reply address among the recipients when no header names a known mail', async () => {
    const t = await setup();
    const { b } = await twoThreads(t);
    const answer = await t.inboundJson(reply({}, { to: 'someone@else.example', cc: [`Support <support+${b.id}@EXAMPLE.com>`] }));
    expect(acceptedOf(answer)[0]!.roomId).toBe(b.id);
  });

  it('by In-Reply-To naming an earlier mail the customer wrote', async () => {
    const t = await setup();
    const first = await t.inboundJson(reply({ 'Message-ID': '<first@example.org>' }));
    await twoThreads(t);
    const again = await t.inboundJson(reply({ 'In-Reply-To': '<first@example.org>' }));
    expect(acceptedOf(again)[0]!.roomId).toBe(acceptedOf(first)[0]!.roomId);
  });

  it('otherwise like any first message: several open rooms of the sender open a new room, never a guess', async () => {
    const t = await setup();
    const { a, b } = await twoThreads(t);
    const answer = await t.inboundJson(reply({}));
    expect([a.id, b.id]).not.toContain(acceptedOf(answer)[0]!.roomId);
    // With one open room, that room (DESIGN.md section 3 step 2).
    const other = await openEmailEngine();
    await other.registerEmail();
    const { room } = await roomWith(other.engine, [{ channelId: 'mail', address: CUSTOMER }]);
    expect(acceptedOf(await other.inboundJson(reply({})))[0]!.roomId).toBe(room.id);
  });

  it('never writes into a closed room: a reply to its thread opens a new room', async () => {
    const t = await setup();
    const { a } = await twoThreads(t);
    await t.engine.call('closeRoom', { roomId: a.id });
    const answer = await t.inboundJson(reply({ 'In-Reply-To': a.sent }, { to: `support+${a.id}@example.com` }));
    expect(acceptedOf(answer)[0]!.roomId).not.toBe(a.id);
    // The same reply while the room is open goes there.
    const { a: open } = await twoThreads(t);
    expect(acceptedOf(await t.inboundJson(reply({ 'In-Reply-To': open.sent })))[0]!.roomId).toBe(open.id);
  });

  it('lets a colleague copied on the thread join the room when they answer in it', async () => {
    const t = await setup();
    const { a } = await twoThreads(t);
    const answer = await t.inboundJson(reply({ 'In-Reply-To': a.sent }, { from: 'Grace Hopper <grace@example.org>' }));
    expect(acceptedOf(answer)[0]!.roomId).toBe(a.id);
    const { bindings } = await t.engine.call<{ bindings: { channelId: string; address: string; state: string }[] }>('getRoom', { roomId: a.id });
    expect(bindings).toContainEqual(expect.objectContaining({ channelId: 'mail', address: 'grace@example.org', state: 'joined' }));
  });

  it('matches raw MIME by the same rules (In-Reply-To, References, reply address)', async () => {
    const t = await setup();
    const { a, b } = await twoThreads(t);
    const byInReplyTo = await t.inboundMime(await mime({ from: CUSTOMER, to: SUPPORT, subject: 'Re: x', text: 'one', inReplyTo: a.sent, references: [b.sent] }));
    expect(acceptedOf(byInReplyTo)[0]!.roomId).toBe(a.id);
    // A single References id (mailparser gives a string, not a list).
    const byReferences = await t.inboundMime(await mime({ from: CUSTOMER, to: SUPPORT, subject: 'Re: x', text: 'two', references: b.sent }));
    expect(acceptedOf(byReferences)[0]!.roomId).toBe(b.id);
    const byAddress = await t.inboundMime(await mime({ from: CUSTOMER, to: `support+${a.id}@example.com`, subject: 'Re: x', text: 'three' }));
    expect(acceptedOf(byAddress)[0]!.roomId).toBe(a.id);
  });
});

describe('what the timeline shows', () => {
  it('trims the quoted history (Gmail, Outlook) and keeps the whole mail in the raw source', async () => {
    const t = await setup();
    const gmail = 'Thanks, that worked!\n\nOn Mon, 3 Nov 2025 at 10:00, Acme Support <support@example.com>\nwrote:\n> Unplug it.\n> \n';
    const outlook = 'Still broken.\r\n\r\n-----Original Message-----\r\nFrom: Acme Support\r\nSent: Monday\r\n\r\nUnplug it.';
    const headerBlock = 'One more thing.\n\nFrom: Acme Support <support@example.com>\nSent: Monday, 3 November 2025 10:00\nTo: Ada\nSubject: hello\n\nUnplug it.';
    const results = [];
    for (const text of [gmail, outlook, headerBlock]) results.push(acceptedOf(await t.inboundJson(reply({}, { text })))[0]!);
    const shown = await Promise.all(results.map((r) => eventOf(t.engine, r)));
    expect(shown.map((e) => e.content.text)).toEqual(['Thanks, that worked!', 'Still broken.', 'One more thing.']);
    expect((shown[0]!.source.raw as { text: string }).text).toBe(gmail);

    const raw = await mime({ from: CUSTOMER, to: SUPPORT, subject: 'Re: x', text: gmail });
    const fromMime = acceptedOf(await t.inboundMime(raw))[0]!;
    const event = await eventOf(t.engine, fromMime);
    expect(event.content).toEqual({ type: 'text', text: 'Thanks, that worked!' });
    expect((event.source.raw as { mime: string }).mime).toBe(raw);
  });

  it('keeps a mail that is only a quote whole, reads an HTML-only mail as text, and shows the subject of an empty mail', async () => {
    const t = await setup();
    const texts: unknown[] = [];
    const bodies = [
      { text: '> only a quote' },
      { text: undefined, html: '<p>Hello &amp; <b>welcome</b></p><p>line&nbsp;2</p>' },
      // Mail writes every character reference HTML has, not only the five XML ones.
      { text: undefined, html: '<p>It&rsquo;s caf&eacute; time&hellip; &mdash; &euro;5 &#x1F600; &lt;b&gt;</p>' },
      { text: '', subject: 'Call me back' },
    ];
    for (const body of bodies) {
      const r = acceptedOf(await t.inboundJson(reply({ 'Message-ID': `<${texts.length}-only@example.org>` }, body)))[0]!;
      texts.push((await eventOf(t.engine, r)).content.text);
    }
    expect(texts).toEqual(['> only a quote', 'Hello & welcome\nline 2', 'It\u2019s caf\u00e9 time\u2026 \u2014 \u20ac5 \u{1F600} <b>', 'Call me back']);
  });

  it('keeps a mail whose folded Subject runs longer than a line: the room keeps 998 characters of it, the raw mail all of it', async () => {
    const t = await setup();
    const subject = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ').repeat(2);
    expect(subject.length).toBeGreaterThan(998);
    const raw = await mime({ from: CUSTOMER, to: SUPPORT, subject, text: 'see the subject' });
    // Folded: no line of the header is longer than a mail line may be.
    expect(raw.split('\r\n').every((line) => line.length <= 998)).toBe(true);
    const event = await eventOf(t.engine, acceptedOf(await t.inboundMime(raw))[0]!);
    expect(event.content).toEqual({ type: 'text', text: 'see the subject' });
    const kept = (event.metadata as { email: { subject: string } }).email.subject;
    expect([...kept]).toHaveLength(998);
    expect(kept).toBe(`${subject.slice(0, 997)}\u2026`);
    expect((event.source.raw as { mime: string }).mime).toBe(raw);
  });

  it('names the sender by the From header\'s display name and keeps the subject in the event\'s metadata', async () => {
    const t = await setup();
    const r = acceptedOf(await t.inboundJson(reply({ 'Message-ID': '<named@example.org>' }, { subject: 'Invoice 42' })))[0]!;
    const event = await eventOf(t.engine, r);
    expect(event.metadata).toEqual({ email: { subject: 'Invoice 42', messageId: '<named@example.org>' } });
    expect(event.source.providerMessageId).toBe('<named@example.org>');
    const identity = await t.engine.call<Identity>('getIdentity', { identityId: event.source.identityId });
    expect(identity).toMatchObject({ displayName: 'Ada Lovelace', addresses: [{ channelType: 'email', address: CUSTOMER }] });
  });

  it('turns attachments with URLs into media events after the text', async () => {
    const t = await setup();
    const answer = await t.inboundJson(reply({ 'Message-ID': '<att@example.org>' }, {
      attachments: [
        { url: 'https://files.example/1.png', contentType: 'image/png', filename: '1.png', size: 1200 },
        { url: 'https://files.example/2.pdf', contentType: 'application/pdf' },
      ],
    }));
    const events = await messages(t.engine, acceptedOf(answer)[0]!.roomId);
    expect(events.map((e) => [e.content, e.source.providerMessageId])).toEqual([
      [{ type: 'text', text: 'my answer' }, '<att@example.org>'],
      [{ type: 'media', url: 'https://files.example/1.png', mimeType: 'image/png', filename: '1.png', sizeBytes: 1200 }, '<att@example.org>#1'],
      [{ type: 'media', url: 'https://files.example/2.pdf', mimeType: 'application/pdf' }, '<att@example.org>#2'],
    ]);
  });

  it('stores an automatic reply (Auto-Submitted) nowhere, and the same mail without the header as a message', async () => {
    const t = await setup();
    const before = await rowCounts(t.path);
    expect(acceptedOf(await t.inboundJson(reply({ 'Auto-Submitted': 'auto-replied' })))).toEqual([]);
    expect(acceptedOf(await t.inboundMime(await mime({ from: CUSTOMER, to: SUPPORT, subject: 'Out of office', text: 'away', extraHeaders: { 'Auto-Submitted': 'auto-replied' } })))).toEqual([]);
    expect(await rowCounts(t.path)).toEqual(before);
    expect(acceptedOf(await t.inboundJson(reply({ 'Auto-Submitted': 'no' })))).toHaveLength(1);
  });
});

describe('a retried mail', () => {
  it('is stored once (same Message-ID), the retry answered as a duplicate, in JSON and raw MIME', async () => {
    const t = await setup();
    const mail = reply({ 'Message-ID': '<once@example.org>' });
    const first = acceptedOf(await t.inboundJson(mail))[0]!;
    const again = acceptedOf(await t.inboundJson(mail))[0]!;
    expect(again).toMatchObject({ eventId: first.eventId, duplicate: true });
    const raw = await mime({ from: CUSTOMER, to: SUPPORT, subject: 'x', text: 'raw once', messageId: '<raw-once@example.org>' });
    const one = acceptedOf(await t.inboundMime(raw))[0]!;
    const two = acceptedOf(await t.inboundMime(raw))[0]!;
    expect(two).toMatchObject({ eventId: one.eventId, duplicate: true });
    expect((await messages(t.engine, first.roomId)).map((e) => e.content.text)).toEqual(['my answer', 'raw once']);
  });
});

describe('verification before anything is stored', () => {
  async function post(t: EmailEngine, body: string, headers: Record<string, string>) {
    const response = await fetch(`${t.localUrl}/webhook/mail`, { method: 'POST', headers, body });
    return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
  }

  it('answers 401 without credentials and 403 with a wrong signature or password, storing nothing; then stores the rightly signed mail', async () => {
    const t = await setup();
    const body = JSON.stringify(reply({ 'Message-ID': '<signed@example.org>' }));
    const good = signedRequest(body, 'application/json');
    const bad = signedRequest(body, 'application/json', 'not-the-secret');
    const before = await rowCounts(t.path);
    expect((await post(t, body, { 'content-type': 'application/json' })).status).toBe(401);
    const wrongSignature = await post(t, body, bad.headers as Record<string, string>);
    expect(wrongSignature).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const tampered = await post(t, body.replace('my answer', 'evil'), good.headers as Record<string, string>);
    expect(tampered.status).toBe(403);
    const wrongPassword = await post(t, body, { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('inbound:guess').toString('base64')}` });
    expect(wrongPassword.status).toBe(403);
    const stale = signedRequest(body, 'application/json');
    stale.headers['x-roomwire-timestamp'] = String(Math.floor(Date.now() / 1000) - 3600);
    expect((await post(t, body, stale.headers as Record<string, string>)).status).toBe(403);
    for (const answer of [wrongSignature, wrongPassword]) expect(JSON.stringify(answer)).not.toContain(INBOUND_SECRET);
    expect(await rowCounts(t.path)).toEqual(before);

    expect((await post(t, body, good.headers as Record<string, string>)).status).toBe(200);
    expect(await rowCounts(t.path)).not.toEqual(before);
  });

  it('accepts HTTP Basic auth with the inbound secret as password (hosted inbound-parse services), raw MIME over real HTTP', async () => {
    const t = await setup();
    const raw = await mime({ from: 'Ada <ada@example.org>', to: SUPPORT, subject: 'hi', text: 'over http' });
    const answer = await post(t, raw, { 'content-type': 'message/rfc822', authorization: `Basic ${Buffer.from(`inbound:${INBOUND_SECRET}`).toString('base64')}` });
    expect(answer.status).toBe(200);
    const accepted = (answer.body as unknown as { accepted: { roomId: string }[] }).accepted;
    expect((await messages(t.engine, accepted[0]!.roomId)).map((e) => e.content.text)).toEqual(['over http']);
  });

  it('refuses every request when the channel has no inbound secret', async () => {
    const t = await openEmailEngine();
    await t.registerEmail('mail', { inboundSecret: undefined });
    const before = await rowCounts(t.path);
    const answer = await post(t, JSON.stringify(reply({})), signedRequest(JSON.stringify(reply({})), 'application/json').headers as Record<string, string>);
    expect(answer).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(await rowCounts(t.path)).toEqual(before);
  });

  it('answers 400 naming the field for a mail it cannot read, and stores nothing', async () => {
    const t = await setup();
    const before = await rowCounts(t.path);
    const cases: [unknown, string][] = [
      [{ to: SUPPORT, text: 'no sender' }, 'from'],
      [{ from: 'not an address', text: 'x' }, 'from'],
      [{ from: CUSTOMER, text: 'x', attachments: [{ url: 'ftp://x/y' }] }, 'attachments[0].url'],
      [{ from: CUSTOMER, text: 'x', headers: 42 }, 'headers'],
    ];
    for (const [body, field] of cases) {
      await expect(t.inboundJson(body)).rejects.toMatchObject({ code: 'invalid_input', field });
    }
    await expect(t.engine.handleWebhook('mail', signedRequest('hello', 'text/plain'))).rejects.toMatchObject({ code: 'invalid_input', field: 'content-type' });
    expect(await rowCounts(t.path)).toEqual(before);
  });
});

describe('a JSON body the store could not keep as it is', () => {
  it('is refused naming the field: not an object, nested absurdly deep, or not well-formed Unicode', async () => {
    const t = await setup();
    const before = await rowCounts(t.path);
    await expect(t.inboundJson([CUSTOMER])).rejects.toMatchObject({ code: 'invalid_input', field: 'body' });
    let deep: unknown = 'x';
    for (let i = 0; i < 200; i++) deep = { deep };
    await expect(t.inboundJson({ ...reply({}), extra: deep })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(t.inboundJson({ ...reply({}), text: 'broken \ud800 text' })).rejects.toMatchObject({ code: 'invalid_input', field: 'body.text' });
    expect(await rowCounts(t.path)).toEqual(before);
  });
});
