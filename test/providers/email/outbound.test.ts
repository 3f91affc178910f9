// Sends through a real SMTP server on loopback that parses what it receives: the headers (From,
// To, Reply-To with the room's plus address, Subject, Message-ID stored as the delivery's provider
// message id), RFC 5322 threading across a conversation, both body parts with HTML escaped, rich
// content as links, and how SMTP failures decide between a retry and a final failure.
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery, RoomEvent } from '../../../runtime/src';
import { cleanupAll } from '../../runtime/support/engine';
import { until } from '../../support/wait';
import { CUSTOMER, SUPPORT, acceptedOf, closeEmailServers, openEmailEngine, roomWith, type EmailEngine } from './support/engine';

afterEach(async () => {
  await cleanupAll();
  await closeEmailServers();
});

type Engine = EmailEngine['engine'];

async function say(engine: Engine, roomId: string, bindingId: string, content: Record<string, unknown>, metadata?: Record<string, unknown>): Promise<RoomEvent> {
  const { event } = await engine.call<{ event: RoomEvent }>('sendEvent', { roomId, bindingId, content, ...(metadata ? { metadata } : {}) });
  await engine.idle();
  return event;
}

async function mailDelivery(engine: Engine, eventId: string): Promise<Delivery> {
  const { deliveries } = await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId });
  return deliveries.find((d) => d.channelId === 'mail')!;
}

/** A room Roomwire starts: the customer by email and an agent on the console. */
async function emailRoom(extra: Parameters<EmailEngine['registerEmail']>[1] = {}) {
  const t = await openEmailEngine();
  await t.registerEmail('mail', extra);
  const { room, b } = await roomWith(t.engine, [
    { channelId: 'mail', address: CUSTOMER },
    { channelId: 'console', address: 'agent-1' },
  ]);
  const send = (content: Record<string, unknown>, metadata?: Record<string, unknown>) => say(t.engine, room.id, b.console!.id, content, metadata);
  return { ...t, room, b, send };
}

describe('one outbound mail', () => {
  it('carries From, To, the room\'s plus reply address, a Subject and a Message-ID stored as the delivery\'s provider message id', async () => {
    const t = await emailRoom();
    const event = await t.send({ type: 'text', text: 'Hello Ada' });
    expect(t.smtp.mails).toHaveLength(1);
    const [mail] = t.smtp.mails;
    expect(mail!.envelope).toEqual({ from: SUPPORT, to: [CUSTOMER] });
    expect(mail!.parsed.from!.value).toEqual([{ name: 'Acme Support', address: SUPPORT }]);
    expect(mail!.parsed.to).toMatchObject({ value: [{ address: CUSTOMER }] });
    expect(mail!.parsed.replyTo!.value[0]!.address).toBe(`support+${t.room.id}@example.com`);
    expect(mail!.parsed.subject).toBe(`Your conversation ${t.room.id}`);
    expect(mail!.parsed.messageId).toMatch(/^<[0-9a-f]{32}\.roomwire@example\.com>$/);
    expect(mail!.parsed.inReplyTo).toBeUndefined();
    expect(mail!.parsed.references).toBeUndefined();
    expect(await mailDelivery(t.engine, event.id)).toMatchObject({ status: 'sent', attempts: 1, providerMessageId: mail!.parsed.messageId, error: null });
  });

  it('has a plain-text part and an HTML part with every character of the content escaped', async () => {
    const t = await emailRoom();
    const text = 'Price <b>5 & 6</b> "quoted" \'single\'\n\nSecond <script>alert(1)</script> paragraph\nnext line';
    await t.send({ type: 'text', text });
    const [mail] = t.smtp.mails;
    expect(mail!.parsed.text!.trim()).toBe(text);
    const html = mail!.parsed.html as string;
    expect(html).toContain('<p>Price &lt;b&gt;5 &amp; 6&lt;/b&gt; &quot;quoted&quot; &#39;single&#39;</p>');
    expect(html).toContain('<p>Second &lt;script&gt;alert(1)&lt;/script&gt; paragraph<br>next line</p>');
    expect(html).not.toContain('<script>');
    expect(mail!.raw).toMatch(/Content-Type: multipart\/alternative/i);
  });

  it('renders link buttons and cards as escaped links, and reply buttons as numbered text', async () => {
    const t = await emailRoom();
    await t.send({
      type: 'rich',
      text: 'Pick one',
      cards: [
        { title: 'Plan <A>', subtitle: 'cheap & good', imageUrl: 'https://img.example/a.png', buttons: [{ title: 'Open', url: 'https://shop.example/a?x=1&y=2' }] },
        { title: 'Plan B', buttons: [{ title: 'More', url: 'https://shop.example/b' }] },
      ],
    });
    await t.send({ type: 'rich', text: 'Yes or no?', buttons: [{ title: 'Yes', postback: 'y' }, { title: 'No', postback: 'n' }] });
    const [cards, choices] = t.smtp.mails;
    const html = cards!.parsed.html as string;
    expect(html).toContain('<a href="https://shop.example/a?x=1&amp;y=2">Open</a>');
    expect(html).toContain('<img src="https://img.example/a.png" alt="Plan &lt;A&gt;"');
    expect(html).toContain('<strong>Plan &lt;A&gt;</strong>');
    expect(html).toContain('<a href="https://shop.example/b">More</a>');
    expect(cards!.parsed.text).toContain('Open: https://shop.example/a?x=1&y=2');
    // The email profile has no reply buttons: the transcoder numbers them, and a reply "1" maps back.
    expect(choices!.parsed.text).toMatch(/1\D+Yes[\s\S]*2\D+No/);
  });

  it('sends a template\'s fallback content: SMTP has no provider templates', async () => {
    const t = await emailRoom();
    await t.send({ type: 'template', name: 'order_update', language: 'en', fallback: { type: 'text', text: 'Your order shipped' } });
    expect(t.smtp.mails[0]!.parsed.text!.trim()).toBe('Your order shipped');
  });

  it('uses the configured reply address pattern and subject, and a subject the writer names', async () => {
    const t = await emailRoom({ replyAddress: 'reply-{roomId}@in.example.com', subject: 'Acme case {roomId}' });
    await t.send({ type: 'text', text: 'one' });
    await t.send({ type: 'text', text: 'two' }, { email: { subject: 'Your refund' } });
    const [one, two] = t.smtp.mails;
    expect(one!.parsed.replyTo!.value[0]!.address).toBe(`reply-${t.room.id}@in.example.com`);
    expect(one!.parsed.subject).toBe(`Acme case ${t.room.id}`);
    expect(two!.parsed.subject).toBe('Your refund');
  });

  it('has no Reply-To when the reply address is turned off', async () => {
    const t = await emailRoom({ replyAddress: false });
    await t.send({ type: 'text', text: 'one' });
    expect(t.smtp.mails[0]!.parsed.replyTo).toBeUndefined();
    expect(t.smtp.mails[0]!.header('reply-to')).toBeUndefined();
  });
});

describe('threading (RFC 5322)', () => {
  it('threads a conversation of three mails: In-Reply-To names the newest, References the whole chain, Subject keeps the customer\'s with "Re:"', async () => {
    const t = await openEmailEngine();
    await t.registerEmail();
    const first = await t.inboundJson({
      from: 'Ada Lovelace <ada@example.org>',
      to: SUPPORT,
      subject: 'Printer on fire',
      text: 'It is smoking.',
      headers: { 'Message-ID': '<c1@mail.example.org>' },
    });
    const roomId = acceptedOf(first)[0]!.roomId;
    const { binding: agent } = await t.engine.call<{ binding: { id: string } }>('attachBinding', { roomId, channelId: 'console', address: 'agent-1' });

    await say(t.engine, roomId, agent.id, { type: 'text', text: 'Unplug it.' });
    const reply1 = t.smtp.mails[0]!.parsed;
    expect(reply1.subject).toBe('Re: Printer on fire');
    expect(reply1.inReplyTo).toBe('<c1@mail.example.org>');
    expect(reply1.references).toBe('<c1@mail.example.org>');

    const second = await t.inboundJson({
      from: 'ada@example.org',
      to: `support+${roomId}@example.com`,
      subject: 'Re: Printer on fire',
      text: 'Done, thanks.',
      headers: { 'Message-ID': '<c2@mail.example.org>', 'In-Reply-To': reply1.messageId, References: `<c1@mail.example.org> ${reply1.messageId}` },
    });
    expect(acceptedOf(second)[0]!.roomId).toBe(roomId);

    await say(t.engine, roomId, agent.id, { type: 'text', text: 'Glad to help.' });
    const reply2 = t.smtp.mails[1]!.parsed;
    expect(reply2.subject).toBe('Re: Printer on fire');
    expect(reply2.inReplyTo).toBe('<c2@mail.example.org>');
    expect(reply2.references).toEqual(['<c1@mail.example.org>', reply1.messageId, '<c2@mail.example.org>']);
    expect(reply2.messageId).not.toBe(reply1.messageId);
  });

  it('threads the mails of a conversation Roomwire started, per recipient', async () => {
    const t = await emailRoom();
    await t.engine.call('attachBinding', { roomId: t.room.id, channelId: 'mail', address: 'bob@example.net' });
    await t.send({ type: 'text', text: 'one' });
    await t.send({ type: 'text', text: 'two' });
    await t.send({ type: 'text', text: 'three' });
    const to = (address: string) => t.smtp.mails.filter((m) => m.envelope.to[0] === address).map((m) => m.parsed);
    for (const address of [CUSTOMER, 'bob@example.net']) {
      const [one, two, three] = to(address);
      expect(one!.inReplyTo).toBeUndefined();
      expect(two!.subject).toBe(`Re: Your conversation ${t.room.id}`);
      expect(two!.inReplyTo).toBe(one!.messageId);
      expect(three!.inReplyTo).toBe(two!.messageId);
      expect(three!.references).toEqual([one!.messageId, two!.messageId]);
    }
    // Each recipient's thread is their own: nobody's mail refers to another recipient's.
    const ada = to(CUSTOMER).map((m) => m.messageId);
    expect(to('bob@example.net').flatMap((m) => [m.inReplyTo, ...[m.references ?? []].flat()])).not.toContain(ada[0]);
  });
});

describe('SMTP failures', () => {
  it('fails a delivery at once on a 5xx reply (an unknown mailbox refuses every time)', async () => {
    const t = await emailRoom();
    t.smtp.refuseRecipients({ code: 550, message: 'No such user here' });
    const event = await t.send({ type: 'text', text: 'x' });
    const delivery = await mailDelivery(t.engine, event.id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'smtp_550' } });
    expect(delivery.error!.reason).toContain('No such user here');
    expect(t.smtp.mails).toHaveLength(0);
  });

  it('retries a 4xx reply (greylisting) until the server accepts', async () => {
    const t = await emailRoom();
    t.smtp.refuseRecipients({ code: 451, message: 'Try again later' });
    const event = await t.engine.call<{ event: RoomEvent }>('sendEvent', { roomId: t.room.id, bindingId: t.b.console!.id, content: { type: 'text', text: 'later' } });
    await until(async () => (await mailDelivery(t.engine, event.event.id)).attempts >= 1 || undefined, 'a first attempt');
    t.smtp.refuseRecipients(null);
    await t.engine.idle();
    const delivery = await until(async () => {
      const d = await mailDelivery(t.engine, event.event.id);
      return d.status !== 'queued' ? d : undefined;
    }, 'the delivery to settle');
    expect(delivery).toMatchObject({ status: 'sent', error: null });
    expect(delivery.attempts).toBeGreaterThan(1);
    expect(t.smtp.mails).toHaveLength(1);
  });

  it('retries when the SMTP server cannot be reached, then fails with the network code', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const t = await emailRoom({ smtp: { host: '127.0.0.1', port, timeoutMs: 2000 } });
    const event = await t.send({ type: 'text', text: 'nobody home' });
    // openTestEngine allows four attempts.
    expect(await mailDelivery(t.engine, event.id)).toMatchObject({ status: 'failed', attempts: 4, error: { code: 'network' } });
  });

  it('fails at once when the SMTP login is refused, without the password in the error', async () => {
    const { startFakeSmtp } = await import('./support/smtp');
    const guarded = await startFakeSmtp({ user: 'relay', password: 'right-password' });
    try {
      const t = await emailRoom({ smtp: { host: '127.0.0.1', port: guarded.port, user: 'relay', password: 'wrong-password', timeoutMs: 2000 } });
      const event = await t.send({ type: 'text', text: 'x' });
      const delivery = await mailDelivery(t.engine, event.id);
      expect(delivery).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'smtp_535' } });
      expect(JSON.stringify(delivery)).not.toContain('wrong-password');
      expect(guarded.logins).toEqual([{ user: 'relay', password: 'wrong-password' }]);

      // The same set-up with the right password sends.
      const ok = await emailRoom({ smtp: { host: '127.0.0.1', port: guarded.port, user: 'relay', password: 'right-password', timeoutMs: 2000 } });
      await ok.send({ type: 'text', text: 'y' });
      expect(guarded.mails).toHaveLength(1);
    } finally {
      await guarded.close();
    }
  });
});
