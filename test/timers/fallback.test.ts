// DESIGN.md section 8, fallback, on a clock the test moves by hand: a delivery that gets no
// `delivered` status within `after` goes out on the participant's next channel (and not when the
// receipt came in time), each step happens at most once, a chain ends in `no_channels_left`, and
// the durable no-receipt timer fires exactly once across a restart.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Binding, Delivery, FallbackPolicy, Notification } from '../../runtime/src';
import {
  AcceptingProvider,
  SECOND,
  cleanup,
  createRoom,
  deliveriesOf,
  openEngine,
  record,
  registerWebhookChannel,
  send,
  startReceiver,
  statusCallback,
  tempDir,
  testClock,
  until,
  type Receiver,
  type TestClock,
} from '../delivery/support/harness';

afterEach(cleanup);

type Engine = import('../../runtime/src').Engine;
type FallbackNotice = Extract<Notification, { kind: 'fallback' }>;

const CUSTOMER = '+15550001';

interface Providers {
  sms: AcceptingProvider;
  rcs: AcceptingProvider;
  telegram: AcceptingProvider;
  whatsapp: AcceptingProvider;
}

/**
 * Channels: `sms`, `rcs`, `telegram` and `whatsapp` accept sends but confirm nothing by
 * themselves (status `sent`, like a gateway before its receipt; `whatsapp` has the 24 h session
 * window of its capability profile); `email` and `fax` are webhooks on a local
 * server (2xx = delivered, 4xx = failed); `console` is the agent's.
 */
async function registerChannels(engine: Engine, receiver: Receiver): Promise<Providers> {
  const providers = { sms: new AcceptingProvider(), rcs: new AcceptingProvider(), telegram: new AcceptingProvider(), whatsapp: new AcceptingProvider() };
  for (const [id, provider] of Object.entries(providers)) await engine.registerChannel({ id, type: id, provider });
  await registerWebhookChannel(engine, receiver, 'email', { type: 'email' });
  await registerWebhookChannel(engine, receiver, 'fax', { type: 'fax' });
  await registerWebhookChannel(engine, receiver, 'console');
  return providers;
}

async function setup(policy: FallbackPolicy) {
  const clock = testClock();
  const path = join(tempDir(), 'db.sqlite');
  const receiver = await startReceiver();
  const engine = await openEngine(path, { clock });
  const providers = await registerChannels(engine, receiver);
  const { room, b } = await createRoom(engine, [
    { channelId: 'console', address: 'agent' },
    { channelId: 'sms', address: CUSTOMER },
  ]);
  const customer = b[CUSTOMER]!;
  await engine.call('setFallback', { bindingId: customer.id, fallback: policy });
  const notices = record(engine);
  const say = (text: string) => send(engine, room.id, text, { bindingId: b.agent!.id });
  return { clock, path, receiver, engine, providers, room, customer, notices, say };
}

function fallbacks(notices: Notification[]): FallbackNotice[] {
  return notices.filter((n): n is FallbackNotice => n.kind === 'fallback');
}

/** The deliveries of an event to the customer, in the order they were made (the chain). */
async function chain(engine: Engine, eventId: string): Promise<Delivery[]> {
  return (await deliveriesOf(engine, eventId)).deliveries.filter((d) => d.channelId !== 'console');
}

async function at(clock: TestClock, engine: Engine, ms: number): Promise<number> {
  clock.advance(ms);
  const fired = await engine.runDueTimers();
  await engine.idle();
  return fired;
}

const NO_RECEIPT: FallbackPolicy = { channels: ['rcs', 'email'], after: 'PT30S', on: ['no_receipt'] };

describe('fallback on no receipt', () => {
  it('with no `delivered` status within `after`, the same event goes out on the next channel', async () => {
    const { clock, engine, providers, room, customer, notices, say } = await setup(NO_RECEIPT);
    const event = await say('your code is 1234');
    await engine.idle();
    expect(providers.sms.sent).toHaveLength(1);

    await at(clock, engine, 30 * SECOND - 1);
    expect(providers.rcs.sent).toHaveLength(0);
    expect(fallbacks(notices)).toHaveLength(0);

    await at(clock, engine, 1);
    const [original, fallback] = await chain(engine, event.id);
    expect(original).toMatchObject({ channelId: 'sms', status: 'sent', fallbackOf: null });
    expect(fallback).toMatchObject({ channelId: 'rcs', status: 'sent', fallbackOf: original!.id, eventId: event.id, eventIndex: event.index });
    expect(providers.rcs.sent.map((m) => [m.event.id, m.content])).toEqual([[event.id, { type: 'text', text: 'your code is 1234' }]]);
    // The participant had no RCS binding in the room: one is made for fallback deliveries only.
    const { bindings } = await engine.call<{ bindings: Binding[] }>('getRoom', { roomId: room.id });
    const rcs = bindings.find((b) => b.id === fallback!.bindingId)!;
    expect(rcs).toMatchObject({ channelId: 'rcs', address: CUSTOMER, identityId: customer.identityId, state: 'invited', fallback: null, metadata: { fallbackFor: customer.id } });

    expect(fallbacks(notices)).toEqual([
      { kind: 'fallback', roomId: room.id, eventId: event.id, from: expect.objectContaining({ id: original!.id }), reason: 'no_receipt', step: 1, to: expect.objectContaining({ id: fallback!.id }) },
    ]);
    // The aggregate counts the fallback delivery too.
    expect((await deliveriesOf(engine, event.id)).aggregate).toMatchObject({ total: 2, sent: 'all' });

    // A fallback-only binding does not receive the room's broadcast.
    const next = await say('second message');
    await engine.idle();
    expect((await chain(engine, next.id)).map((d) => d.channelId)).toEqual(['sms']);
  });

  it('no fallback when the receipt arrives in time', async () => {
    const { clock, engine, providers, notices, say } = await setup(NO_RECEIPT);
    const event = await say('hello');
    await engine.idle();
    clock.advance(29 * SECOND);
    await statusCallback(engine, 'sms', { status: 'delivered', deliveryId: (await chain(engine, event.id))[0]!.id });
    expect(await at(clock, engine, 10 * SECOND)).toBe(1);
    expect(await at(clock, engine, 10 * 60 * SECOND)).toBe(0);
    expect(providers.rcs.sent).toHaveLength(0);
    expect(fallbacks(notices)).toHaveLength(0);
    expect((await chain(engine, event.id)).map((d) => [d.channelId, d.status])).toEqual([['sms', 'delivered']]);
  });

  it('a read receipt counts as a receipt', async () => {
    const { clock, engine, providers, say } = await setup(NO_RECEIPT);
    const event = await say('hello');
    await engine.idle();
    await statusCallback(engine, 'sms', { status: 'read', deliveryId: (await chain(engine, event.id))[0]!.id });
    await at(clock, engine, 60 * SECOND);
    expect(providers.rcs.sent).toHaveLength(0);
  });

  it('without no_receipt in `on`, silence never triggers a fallback', async () => {
    const { clock, engine, providers, notices, say } = await setup({ channels: ['rcs'], after: 'PT30S', on: ['failed'] });
    await say('hello');
    await engine.idle();
    expect(await at(clock, engine, 3600 * SECOND)).toBe(0);
    expect(providers.rcs.sent).toHaveLength(0);
    expect(fallbacks(notices)).toHaveLength(0);
  });

  it('the chain stops at the first channel that confirms', async () => {
    const { clock, engine, providers, notices, say } = await setup(NO_RECEIPT);
    const event = await say('are you there?');
    await engine.idle();
    await at(clock, engine, 30 * SECOND);
    expect(providers.rcs.sent).toHaveLength(1);
    await at(clock, engine, 30 * SECOND);
    // email is a webhook: its 2xx is `delivered`.
    const [sms, rcs, email] = await chain(engine, event.id);
    expect(sms).toMatchObject({ channelId: 'sms', status: 'sent', fallbackOf: null });
    expect(rcs).toMatchObject({ channelId: 'rcs', status: 'sent', fallbackOf: sms!.id });
    expect(email).toMatchObject({ channelId: 'email', status: 'delivered', fallbackOf: rcs!.id });
    // The email delivery's own no-receipt timer finds it delivered; nothing more happens.
    expect(await at(clock, engine, 3600 * SECOND)).toBe(1);
    expect(await chain(engine, event.id)).toHaveLength(3);
    expect(fallbacks(notices).map((n) => [n.step, n.reason, n.from.channelId, n.to?.channelId ?? null])).toEqual([
      [1, 'no_receipt', 'sms', 'rcs'],
      [2, 'no_receipt', 'rcs', 'email'],
    ]);
  });

  it('a chain over two fallback channels that never confirm ends in no_channels_left', async () => {
    const { clock, engine, providers, room, notices, say } = await setup({ channels: ['rcs', 'telegram'], after: 'PT30S', on: ['no_receipt'] });
    const event = await say('anyone?');
    await engine.idle();
    await at(clock, engine, 30 * SECOND);
    await at(clock, engine, 30 * SECOND);
    expect([providers.sms.sent.length, providers.rcs.sent.length, providers.telegram.sent.length]).toEqual([1, 1, 1]);
    await at(clock, engine, 30 * SECOND);
    const [sms, rcs, telegram] = await chain(engine, event.id);
    expect(sms).toMatchObject({ channelId: 'sms', status: 'failed', error: { code: 'no_channels_left' } });
    expect(sms!.error!.reason).toContain('2 step(s)');
    expect(rcs).toMatchObject({ channelId: 'rcs', status: 'sent', fallbackOf: sms!.id });
    expect(telegram).toMatchObject({ channelId: 'telegram', status: 'sent', fallbackOf: rcs!.id });
    const steps = fallbacks(notices);
    expect(steps.map((n) => [n.step, n.reason, n.from.channelId, n.to?.channelId ?? null])).toEqual([
      [1, 'no_receipt', 'sms', 'rcs'],
      [2, 'no_receipt', 'rcs', 'telegram'],
      [3, 'no_receipt', 'telegram', null],
    ]);
    expect(steps.every((n) => n.roomId === room.id && n.eventId === event.id)).toBe(true);
    // Nothing is left to fire, and nothing more is sent.
    expect(await at(clock, engine, 3600 * SECOND)).toBe(0);
    expect([providers.sms.sent.length, providers.rcs.sent.length, providers.telegram.sent.length]).toEqual([1, 1, 1]);
    expect(fallbacks(notices)).toHaveLength(3);
  });
});

describe('fallback on failure', () => {
  it('failures walk the chain over real HTTP and end in no_channels_left', async () => {
    const { engine, receiver, providers, notices, say } = await setup({ channels: ['email', 'fax'], on: ['failed'] });
    providers.sms.failWith = 'blocked_number';
    receiver.answer((r) => (r.url.startsWith('/email/') ? { status: 400 } : { status: 410 }));
    const event = await say('urgent');
    await until(() => fallbacks(notices).length === 3, 'the chain to end');
    await engine.idle();
    const [sms, email, fax] = await chain(engine, event.id);
    expect(sms).toMatchObject({ status: 'failed', error: { code: 'no_channels_left' } });
    expect(email).toMatchObject({ channelId: 'email', status: 'failed', error: { code: 'http_400' }, fallbackOf: sms!.id });
    expect(fax).toMatchObject({ channelId: 'fax', status: 'failed', error: { code: 'http_410' }, fallbackOf: email!.id });
    expect(receiver.to('email').map((r) => r.body.content.text)).toEqual(['urgent']);
    expect(receiver.to('fax').map((r) => r.body.content.text)).toEqual(['urgent']);
    expect(fallbacks(notices).map((n) => [n.step, n.reason, n.from.channelId, n.to?.channelId ?? null])).toEqual([
      [1, 'failed', 'sms', 'email'],
      [2, 'failed', 'email', 'fax'],
      [3, 'failed', 'fax', null],
    ]);
  });

  it('a failure whose reason is not in `on` does not fall back', async () => {
    const { engine, providers, notices, say } = await setup({ channels: ['rcs'], after: 'PT30S', on: ['no_receipt', 'undelivered'] });
    providers.sms.failWith = 'blocked_number';
    const event = await say('hi');
    await engine.idle();
    expect((await chain(engine, event.id)).map((d) => [d.channelId, d.status, d.error?.code])).toEqual([['sms', 'failed', 'blocked_number']]);
    expect(fallbacks(notices)).toHaveLength(0);
  });
});

describe('fallback keeps the permissions of the binding it reaches', () => {
  const TWO_CHANNELS: FallbackPolicy = { channels: ['rcs', 'telegram'], after: 'PT30S', on: ['no_receipt'] };

  it('a binding of the person that may not read (write_only, none) is passed over for the next channel', async () => {
    for (const access of ['write_only', 'none'] as const) {
      const { clock, engine, providers, room, say } = await setup(TWO_CHANNELS);
      await engine.call('attachBinding', { roomId: room.id, channelId: 'rcs', address: CUSTOMER, access });
      const event = await say('your code is 1234');
      await engine.idle();
      await at(clock, engine, 30 * SECOND);
      expect(providers.rcs.sent).toHaveLength(0);
      expect(providers.telegram.sent.map((m) => m.event.id)).toEqual([event.id]);
      expect((await chain(engine, event.id)).map((d) => d.channelId)).toEqual(['sms', 'telegram']);
    }
  });

  it('a channel the person left is passed over, not joined again through a new binding', async () => {
    const { clock, engine, providers, room, say } = await setup(TWO_CHANNELS);
    const { binding: rcs } = await engine.call<{ binding: Binding }>('attachBinding', { roomId: room.id, channelId: 'rcs', address: CUSTOMER });
    await engine.call('detachBinding', { bindingId: rcs.id });
    const event = await say('hello');
    await engine.idle();
    await at(clock, engine, 30 * SECOND);
    expect(providers.rcs.sent).toHaveLength(0);
    expect(providers.telegram.sent.map((m) => m.event.id)).toEqual([event.id]);
    const { bindings } = await engine.call<{ bindings: Binding[] }>('getRoom', { roomId: room.id });
    expect(bindings.filter((b) => b.channelId === 'rcs').map((b) => [b.id, b.state])).toEqual([[rcs.id, 'left']]);
  });

  it('content a before_deliver hook withheld from a channel is not sent on the fallback channel', async () => {
    const { engine, providers, notices, say } = await setup({ channels: ['rcs'], on: ['failed', 'undelivered'] });
    engine.registerHook({ name: 'no-cards-by-sms', trigger: 'before_deliver', filters: { channelTypes: ['sms'] } }, (context) =>
      /\d{16}/.test(String(context.event!.content.text)) ? { action: 'block', reason: 'card number' } : undefined,
    );
    const withheld = await say('your card 4111111111111111');
    await engine.idle();
    expect(providers.sms.sent).toHaveLength(0);
    expect((await chain(engine, withheld.id)).map((d) => [d.channelId, d.status, d.error?.code])).toEqual([['sms', 'failed', 'blocked']]);
    // The same policy still takes over a failure of the channel itself.
    providers.sms.failWith = 'unreachable';
    const failed = await say('see you at 5');
    await until(() => fallbacks(notices).length === 1, 'the fallback step');
    await engine.idle();
    expect(providers.rcs.sent.map((m) => m.event.id)).toEqual([failed.id]);
  });
});

describe('fallback outside the session window', () => {
  it('free text outside the WhatsApp window is not sent; `outside_window` falls back to the next channel', async () => {
    const { engine, providers, notices } = await setup(NO_RECEIPT);
    const { room, b } = await createRoom(engine, [
      { channelId: 'console', address: 'agent' },
      { channelId: 'whatsapp', address: CUSTOMER },
    ]);
    const onWhatsapp = b[CUSTOMER]!.id;
    await engine.call('setFallback', { bindingId: onWhatsapp, fallback: { channels: ['sms'], on: ['outside_window'] } });
    const event = await send(engine, room.id, 'your parcel is here', { bindingId: b.agent!.id });
    await until(() => fallbacks(notices).length === 1, 'the outside_window fallback');
    await engine.idle();
    const [whatsapp, sms] = await chain(engine, event.id);
    expect(whatsapp).toMatchObject({ channelId: 'whatsapp', status: 'failed', attempts: 0, error: { code: 'outside_window' } });
    expect(sms).toMatchObject({ channelId: 'sms', status: 'sent', fallbackOf: whatsapp!.id });
    expect(providers.whatsapp.sent).toHaveLength(0);
    expect(providers.sms.sent.map((m) => m.content)).toEqual([{ type: 'text', text: 'your parcel is here' }]);
    expect(fallbacks(notices)[0]).toMatchObject({ reason: 'outside_window', step: 1, roomId: room.id });
  });

  it('without outside_window in `on`, the delivery just fails with that reason', async () => {
    const { engine, providers, notices } = await setup(NO_RECEIPT);
    const { room, b } = await createRoom(engine, [
      { channelId: 'console', address: 'agent' },
      { channelId: 'whatsapp', address: CUSTOMER },
    ]);
    await engine.call('setFallback', { bindingId: b[CUSTOMER]!.id, fallback: { channels: ['sms'], on: ['failed'] } });
    const event = await send(engine, room.id, 'hello', { bindingId: b.agent!.id });
    await engine.idle();
    expect((await chain(engine, event.id)).map((d) => [d.channelId, d.status, d.error?.code])).toEqual([['whatsapp', 'failed', 'outside_window']]);
    expect(providers.sms.sent).toHaveLength(0);
    expect(fallbacks(notices)).toHaveLength(0);
  });
});

describe('each fallback step happens at most once', () => {
  it('a failure and the no-receipt timer of the same delivery make one step, not two', async () => {
    const { clock, engine, providers, notices, say } = await setup({ channels: ['rcs', 'telegram'], after: 'PT30S', on: ['failed', 'no_receipt'] });
    providers.sms.failWith = 'rejected';
    const event = await say('hi');
    await until(() => fallbacks(notices).length === 1, 'the failure fallback');
    await engine.idle();
    expect(providers.rcs.sent).toHaveLength(1);
    // +30 s: the sms delivery's timer finds it failed (no second step); the rcs delivery's
    // own timer takes the next step.
    await at(clock, engine, 30 * SECOND);
    await at(clock, engine, 1);
    expect(providers.rcs.sent).toHaveLength(1);
    expect(providers.telegram.sent).toHaveLength(1);
    expect(fallbacks(notices).map((n) => [n.step, n.reason, n.from.channelId])).toEqual([
      [1, 'failed', 'sms'],
      [2, 'no_receipt', 'rcs'],
    ]);
    expect((await chain(engine, event.id)).map((d) => d.channelId)).toEqual(['sms', 'rcs', 'telegram']);
  });

  it('a late `undelivered` for a delivery that already fell back on no receipt changes its status only', async () => {
    const { clock, engine, providers, notices, say } = await setup({ channels: ['rcs', 'telegram'], after: 'PT30S', on: ['undelivered', 'no_receipt'] });
    const event = await say('hi');
    await engine.idle();
    await at(clock, engine, 30 * SECOND);
    const [sms] = await chain(engine, event.id);
    await statusCallback(engine, 'sms', { status: 'undelivered', deliveryId: sms!.id });
    await statusCallback(engine, 'sms', { status: 'undelivered', deliveryId: sms!.id });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await engine.idle();
    expect(await engine.runDueTimers()).toBe(0);
    expect(providers.rcs.sent).toHaveLength(1);
    expect(providers.telegram.sent).toHaveLength(0);
    expect(fallbacks(notices)).toHaveLength(1);
    expect((await chain(engine, event.id)).map((d) => [d.channelId, d.status])).toEqual([
      ['sms', 'undelivered'],
      ['rcs', 'sent'],
    ]);
  });

  it('running due timers again and again takes no extra step', async () => {
    const { clock, engine, providers, notices, say } = await setup(NO_RECEIPT);
    await say('hi');
    await engine.idle();
    clock.advance(30 * SECOND);
    await Promise.all([engine.runDueTimers(), engine.runDueTimers(), engine.runDueTimers()]);
    await engine.runDueTimers();
    await engine.idle();
    expect(providers.rcs.sent).toHaveLength(1);
    expect(fallbacks(notices)).toHaveLength(1);
  });
});

describe('durable fallback timers', () => {
  it('a restart between scheduling and firing fires the step exactly once', async () => {
    const { clock, path, receiver, engine, providers, say } = await setup(NO_RECEIPT);
    const event = await say('before the restart');
    await engine.idle();
    expect(providers.sms.sent).toHaveLength(1);
    await engine.close();

    clock.advance(31 * SECOND);
    const reopened = await openEngine(path, { clock });
    const notices = record(reopened);
    // Due timers fire as soon as the engine opens, before the channel nodes have registered their
    // channels again (Node-RED deploys them a moment later): the step is taken all the same and
    // its delivery waits for the channel.
    await reopened.runDueTimers();
    expect(fallbacks(notices).map((n) => [n.step, n.reason, n.to?.channelId])).toEqual([[1, 'no_receipt', 'rcs']]);
    const after = await registerChannels(reopened, receiver);
    await reopened.runDueTimers();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await reopened.idle();
    expect(after.rcs.sent.map((m) => m.event.id)).toEqual([event.id]);
    expect(after.sms.sent).toHaveLength(0);
    const [sms, rcs] = await chain(reopened, event.id);
    expect(sms).toMatchObject({ status: 'sent', error: null });
    expect(rcs).toMatchObject({ channelId: 'rcs', fallbackOf: sms!.id });
    expect(fallbacks(notices)).toHaveLength(1);
    expect(await chain(reopened, event.id)).toHaveLength(2);

    // And the step's own timer survives the next restart.
    await reopened.close();
    clock.advance(30 * SECOND);
    const third = await openEngine(path, { clock });
    await registerChannels(third, receiver);
    await third.runDueTimers();
    await third.idle();
    expect((await chain(third, event.id)).map((d) => d.channelId)).toEqual(['sms', 'rcs', 'email']);
    expect(receiver.to('email')).toHaveLength(1);
  });
});
