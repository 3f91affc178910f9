// DESIGN.md section 8 against a real local HTTP server: what the delivery worker does when a
// provider times out, answers 5xx or 4xx, or drops the connection; the per-channel concurrency
// limit; provider status callbacks in any order; delivery notifications, hooks and aggregates;
// read receipts; and what a restart resends (queued) and what it never resends (sent, delivered).
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SqliteStore, type Binding, type Delivery, type HookContext, type Notification, type RoomEvent } from '../../runtime/src';
import {
  AcceptingProvider,
  cleanup,
  createRoom,
  deliveriesOf,
  deliveryTo,
  openEngine,
  record,
  registerWebhookChannel,
  send,
  sql,
  startReceiver,
  statusCallback,
  tempDir,
  until,
  type Answer,
  type Received,
} from './support/harness';

afterEach(cleanup);

type Engine = import('../../runtime/src').Engine;

/** An engine with a webhook channel `hook` (on the receiver) and a room: `agent` writes, `customer` receives. */
async function setup(options: { timeoutMs?: number; delivery?: Record<string, number> } = {}) {
  const receiver = await startReceiver();
  const engine = await openEngine(join(tempDir(), 'db.sqlite'), { delivery: options.delivery });
  await registerWebhookChannel(engine, receiver, 'hook', { timeoutMs: options.timeoutMs });
  await registerWebhookChannel(engine, receiver, 'console');
  const { room, b } = await createRoom(engine, [
    { channelId: 'console', address: 'agent' },
    { channelId: 'hook', address: 'customer' },
  ]);
  const agent = b.agent!.id;
  const customer = b.customer!.id;
  const say = (text: string, extra = {}) => send(engine, room.id, text, { bindingId: agent, ...extra });
  return { receiver, engine, room, agent, customer, say };
}

/** Answers by call number for requests to `/hook/...`; everything else gets 200. */
function hookAnswers(answers: Answer[], then: Answer = { status: 200 }) {
  let n = 0;
  return (request: Received): Answer => (request.url.startsWith('/hook/') ? (answers[n++] ?? then) : { status: 200 });
}

describe('provider faults: the right retry or failure, nothing lost', () => {
  it('a timeout is transient: retried with the same idempotency key, then delivered', async () => {
    const { receiver, engine, customer, say } = await setup({ timeoutMs: 300 });
    receiver.answer(hookAnswers(['hang', 'hang']));
    const event = await say('are you there?');
    await engine.idle();
    const requests = receiver.to('hook');
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.key))).toEqual(new Set([`${event.id}:${customer}`]));
    // The error of a retried attempt does not stick to a delivery that then succeeded.
    expect(await deliveryTo(engine, event.id, customer)).toMatchObject({ status: 'delivered', attempts: 3, error: null });
  });

  it('a provider that never answers fails with `timeout` after the last attempt', async () => {
    const { receiver, engine, customer, say } = await setup({ timeoutMs: 150, delivery: { maxAttempts: 3 } });
    receiver.answer(hookAnswers([], 'hang'));
    const event = await say('hello?');
    await engine.idle();
    await until(() => receiver.to('hook').length === 3, 'the three attempts at the server');
    expect(await deliveryTo(engine, event.id, customer)).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'timeout' } });
  });

  it('5xx, 408 and 429 are transient: retried until the provider succeeds', async () => {
    const { receiver, engine, customer, say } = await setup({ delivery: { maxAttempts: 6 } });
    receiver.answer(hookAnswers([{ status: 503 }, { status: 500 }, { status: 429 }, { status: 408 }, { status: 502 }]));
    const event = await say('retry me');
    await engine.idle();
    expect(receiver.to('hook').map((r) => r.key)).toEqual(Array(6).fill(`${event.id}:${customer}`));
    expect(await deliveryTo(engine, event.id, customer)).toMatchObject({ status: 'delivered', attempts: 6 });
  });

  it('5xx on every attempt fails with the last HTTP status as the error code', async () => {
    const { receiver, engine, customer, say } = await setup({ delivery: { maxAttempts: 3 } });
    receiver.answer(hookAnswers([], { status: 503 }));
    const event = await say('down');
    await engine.idle();
    expect(receiver.to('hook')).toHaveLength(3);
    expect(await deliveryTo(engine, event.id, customer)).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'http_503' } });
  });

  it.each([400, 401, 403, 404, 422])('a %i is permanent: failed at once, no retry, error code http_4xx', async (status) => {
    const { receiver, engine, customer, say } = await setup();
    receiver.answer(hookAnswers([{ status }, { status: 200 }]));
    const event = await say('bad request');
    await engine.idle();
    // The next message to the same participant is not held back by the failed one.
    const next = await say('next');
    await engine.idle();
    expect(receiver.to('hook').map((r) => r.body.eventId)).toEqual([event.id, next.id]);
    const failed = await deliveryTo(engine, event.id, customer);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, error: { code: `http_${status}` } });
    expect(failed.error!.reason).toContain(String(status));
    expect(await deliveryTo(engine, next.id, customer)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('a dropped connection is transient: retried, then delivered; every attempt dropped fails with `network`', async () => {
    const { receiver, engine, customer, say } = await setup({ delivery: { maxAttempts: 3 } });
    receiver.answer(hookAnswers(['reset', 'reset']));
    const first = await say('one');
    await engine.idle();
    expect(await deliveryTo(engine, first.id, customer)).toMatchObject({ status: 'delivered', attempts: 3 });

    receiver.answer(hookAnswers([], 'reset'));
    const second = await say('two');
    await engine.idle();
    expect(await deliveryTo(engine, second.id, customer)).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'network' } });
    expect(receiver.to('hook').filter((r) => r.body.eventId === second.id)).toHaveLength(3);
  });

  it('while one target keeps failing, the room keeps flowing to the others, in order; nothing is lost', async () => {
    const { receiver, engine, room, say } = await setup({ delivery: { maxAttempts: 1000, baseBackoffMs: 10, maxBackoffMs: 20 } });
    await registerWebhookChannel(engine, receiver, 'web');
    const { binding: visitor } = await engine.call<{ binding: Binding }>('attachBinding', { roomId: room.id, channelId: 'web', address: 'visitor' });
    let down = true;
    receiver.answer((r) => (r.url.startsWith('/hook/') && down ? { status: 503 } : { status: 200 }));
    const events: RoomEvent[] = [];
    for (let i = 0; i < 10; i++) events.push(await say(`m${i}`));
    // The healthy participant receives everything, in index order, while the other is still failing.
    await until(() => receiver.to('web').length === 10, 'the healthy target to receive every message');
    expect(receiver.to('web').map((r) => r.body.content.text)).toEqual(events.map((_, i) => `m${i}`));
    expect(receiver.to('web').map((r) => r.body.index)).toEqual(events.map((e) => e.index));
    expect(receiver.to('hook').length).toBeGreaterThan(1);
    expect(new Set(receiver.to('hook').map((r) => r.body.eventId))).toEqual(new Set([events[0]!.id]));
    const stuck = (await deliveriesOf(engine, events[0]!.id)).deliveries.find((d) => d.channelId === 'hook')!;
    expect(stuck).toMatchObject({ status: 'queued', error: { code: 'http_503' } });

    // The provider recovers: the failing participant gets every message once, in order.
    down = false;
    await engine.idle();
    const delivered = receiver.to('hook').filter((r, i, all) => all.findIndex((o) => o.key === r.key) === i);
    expect(delivered.map((r) => r.body.content.text)).toEqual(events.map((_, i) => `m${i}`));
    for (const event of events) {
      const { deliveries, aggregate } = await deliveriesOf(engine, event.id);
      expect(deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered']);
      expect(aggregate).toMatchObject({ total: 2, delivered: 'all' });
      expect(deliveries.map((d) => d.bindingId).sort()).toEqual([visitor.id, stuck.bindingId].sort());
    }
  });

  it('a channel never has more than maxConcurrency sends open at once, retries included', async () => {
    const receiver = await startReceiver();
    const engine = await openEngine(join(tempDir(), 'db.sqlite'));
    await registerWebhookChannel(engine, receiver, 'limited', { maxConcurrency: 3 });
    await registerWebhookChannel(engine, receiver, 'console');
    const participants = Array.from({ length: 12 }, (_, i) => ({ channelId: 'limited', address: `p${i}` }));
    const { room, b } = await createRoom(engine, [{ channelId: 'console', address: 'agent' }, ...participants]);
    // Slow answers keep requests open; every fifth one fails once and is retried.
    receiver.answer((_r, i) => (i % 5 === 4 ? { status: 503 } : { status: 200, delayMs: 25 }));
    for (let i = 0; i < 5; i++) await send(engine, room.id, `m${i}`, { bindingId: b.agent!.id });
    await engine.idle();
    const keys = new Set(receiver.requests.map((r) => r.key));
    expect(keys.size).toBe(60);
    expect(receiver.peakByPath.limited).toBe(3);
  });

  it('the limit is per channel: a limited channel does not hold back another one', async () => {
    const receiver = await startReceiver();
    const engine = await openEngine(join(tempDir(), 'db.sqlite'));
    await registerWebhookChannel(engine, receiver, 'one', { maxConcurrency: 1 });
    await registerWebhookChannel(engine, receiver, 'many', { maxConcurrency: 8 });
    const bindings = Array.from({ length: 8 }, (_, i) => [
      { channelId: 'one', address: `a${i}` },
      { channelId: 'many', address: `b${i}` },
    ]).flat();
    const { room } = await createRoom(engine, bindings);
    receiver.answer(() => ({ status: 200, delayMs: 20 }));
    await send(engine, room.id, 'broadcast');
    await engine.idle();
    expect(receiver.requests).toHaveLength(16);
    expect(receiver.peakByPath.one).toBe(1);
    expect(receiver.peakByPath.many).toBeGreaterThan(1);
    // The eight serialized sends on `one` take ~8 answers' time; `many` was done long before.
    const last = (path: string) => Math.max(...receiver.to(path).map((r) => r.at));
    expect(last('many')).toBeLessThan(last('one'));
  });
});

describe('status callbacks, notifications, hooks and aggregates', () => {
  async function gatewaySetup() {
    const receiver = await startReceiver();
    const engine = await openEngine(join(tempDir(), 'db.sqlite'));
    const gateway = new AcceptingProvider();
    await engine.registerChannel({ id: 'gw', type: 'sms', provider: gateway });
    await registerWebhookChannel(engine, receiver, 'hook');
    await registerWebhookChannel(engine, receiver, 'console');
    const { room, b } = await createRoom(engine, [
      { channelId: 'console', address: 'agent' },
      { channelId: 'gw', address: '+15550001' },
      { channelId: 'hook', address: 'bob' },
    ]);
    return { receiver, engine, gateway, room, agent: b.agent!.id, phone: b['+15550001']!.id, bob: b.bob!.id };
  }

  it('callbacks in any order never move a status backwards; failed and undelivered only follow queued or sent', async () => {
    const { engine, gateway, room, agent, phone } = await gatewaySetup();
    // Each callback, and the status the engine answers with: the current one, which never goes back.
    const scenarios: [string, string][][] = [
      [['read', 'read'], ['sent', 'read'], ['delivered', 'read']],
      [['delivered', 'delivered'], ['sent', 'delivered']],
      [['delivered', 'delivered'], ['read', 'read'], ['delivered', 'read'], ['failed', 'read']],
      [['undelivered', 'undelivered'], ['delivered', 'undelivered'], ['read', 'undelivered']],
      [['delivered', 'delivered'], ['failed', 'delivered'], ['undelivered', 'delivered']],
      [['failed', 'failed'], ['sent', 'failed'], ['delivered', 'failed']],
    ];
    for (const [i, steps] of scenarios.entries()) {
      const event = await send(engine, room.id, `m${i}`, { bindingId: agent });
      await engine.idle();
      const delivery = await deliveryTo(engine, event.id, phone);
      expect(delivery.status).toBe('sent');
      const answered: string[] = [];
      for (const [k, [status]] of steps.entries()) {
        // Alternately by delivery id and by the provider's message id: both find the row.
        const ref: Record<string, string> = k % 2 === 0 ? { deliveryId: delivery.id } : { messageId: delivery.providerMessageId! };
        const result = await statusCallback(engine, 'gw', { status: status!, ...ref });
        answered.push((result.body as { accepted: { status: string }[] }).accepted[0]!.status);
      }
      expect(answered).toEqual(steps.map(([, now]) => now));
      expect(await deliveryTo(engine, event.id, phone)).toMatchObject({ status: steps.at(-1)![1], attempts: 1 });
    }
    expect(gateway.sent).toHaveLength(scenarios.length);
  });

  it('a callback for an unknown delivery, or one of another channel, changes nothing', async () => {
    const { engine, room, agent, phone } = await gatewaySetup();
    const event = await send(engine, room.id, 'hi', { bindingId: agent });
    await engine.idle();
    const delivery = await deliveryTo(engine, event.id, phone);
    await expect(statusCallback(engine, 'gw', { status: 'delivered', deliveryId: 'dlv_unknown' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(statusCallback(engine, 'hook', { status: 'delivered', deliveryId: delivery.id })).rejects.toMatchObject({ code: 'not_found' });
    expect((await deliveryTo(engine, event.id, phone)).status).toBe('sent');
  });

  it('`delivery` notifications and on_delivery_status hooks carry the event id and correlationId of every change', async () => {
    const { engine, room, agent, phone, bob } = await gatewaySetup();
    const seen = record(engine);
    const hookCalls: HookContext[] = [];
    engine.registerHook({ name: 'status-log', trigger: 'on_delivery_status' }, (context) => {
      hookCalls.push(context);
    });
    const event = await send(engine, room.id, 'order shipped', { bindingId: agent, correlationId: 'order-42' });
    await engine.idle();
    const toPhone = await deliveryTo(engine, event.id, phone);
    await statusCallback(engine, 'gw', { status: 'delivered', deliveryId: toPhone.id });
    await statusCallback(engine, 'gw', { status: 'sent', deliveryId: toPhone.id }); // backwards: no change, no notice
    await statusCallback(engine, 'gw', { status: 'read', messageId: toPhone.providerMessageId! });
    await until(() => hookCalls.length >= 4, 'the on_delivery_status hooks');
    await engine.idle();

    const notices = seen.filter((n): n is Extract<Notification, { kind: 'delivery' }> => n.kind === 'delivery');
    const changes = notices.map((n) => `${n.delivery.bindingId === phone ? 'phone' : 'bob'}:${n.delivery.status}`);
    expect(changes.sort()).toEqual(['bob:delivered', 'phone:delivered', 'phone:read', 'phone:sent'].sort());
    for (const notice of notices) {
      expect(notice.roomId).toBe(room.id);
      expect(notice.event).toEqual({ id: event.id, correlationId: 'order-42', index: event.index });
      expect(notice.delivery.eventId).toBe(event.id);
    }
    expect(hookCalls).toHaveLength(4);
    for (const call of hookCalls) {
      expect(call.trigger).toBe('on_delivery_status');
      expect(call.room?.id).toBe(room.id);
      const detail = call.detail as unknown as { delivery: Delivery; event: { id: string; correlationId: string } };
      expect(detail.event).toMatchObject({ id: event.id, correlationId: 'order-42' });
      expect([phone, bob]).toContain(detail.delivery.bindingId);
    }
    const phoneStatuses = hookCalls.map((c) => (c.detail as unknown as { delivery: Delivery }).delivery).filter((d) => d.bindingId === phone).map((d) => d.status);
    expect(phoneStatuses.sort()).toEqual(['delivered', 'read', 'sent']);
  });

  it('the aggregate per event counts deliveries and says all / some / none per status', async () => {
    const { receiver, engine, room, agent, phone, bob } = await gatewaySetup();
    const first = await send(engine, room.id, 'one', { bindingId: agent });
    await engine.idle();
    expect((await deliveriesOf(engine, first.id)).aggregate).toEqual({
      total: 2,
      queued: 'none',
      sent: 'all',
      delivered: 'some',
      read: 'none',
      failed: 'none',
      undelivered: 'none',
    });
    await statusCallback(engine, 'gw', { status: 'read', deliveryId: (await deliveryTo(engine, first.id, phone)).id });
    expect((await deliveriesOf(engine, first.id)).aggregate).toMatchObject({ total: 2, sent: 'all', delivered: 'all', read: 'some' });

    receiver.answer(() => ({ status: 404 }));
    const second = await send(engine, room.id, 'two', { bindingId: agent });
    await engine.idle();
    await statusCallback(engine, 'gw', { status: 'undelivered', deliveryId: (await deliveryTo(engine, second.id, phone)).id });
    const { deliveries, aggregate } = await deliveriesOf(engine, second.id);
    expect(deliveries.map((d) => [d.bindingId, d.status])).toEqual([
      [phone, 'undelivered'],
      [bob, 'failed'],
    ]);
    expect(aggregate).toEqual({ total: 2, queued: 'none', sent: 'none', delivered: 'none', read: 'none', failed: 'some', undelivered: 'some' });

    // An event nobody receives (an internal note with no internal reader) has an empty aggregate.
    const note = await send(engine, room.id, 'note to self', { visibility: 'none' });
    expect(await deliveriesOf(engine, note.id)).toEqual({
      deliveries: [],
      aggregate: { total: 0, queued: 'none', sent: 'none', delivered: 'none', read: 'none', failed: 'none', undelivered: 'none' },
    });
  });

  it('a `read` status advances the binding read horizon and its unread count', async () => {
    const { engine, room, agent, phone } = await gatewaySetup();
    const events: RoomEvent[] = [];
    for (let i = 0; i < 4; i++) events.push(await send(engine, room.id, `m${i}`, { bindingId: agent }));
    await engine.idle();
    expect(await engine.call('getUnreadCount', { bindingId: phone })).toEqual({ unread: 4, lastReadIndex: -1 });

    await statusCallback(engine, 'gw', { status: 'read', deliveryId: (await deliveryTo(engine, events[1]!.id, phone)).id });
    await until(async () => (await engine.call<Binding>('getBinding', { bindingId: phone })).lastReadIndex === events[1]!.index, 'the read horizon');
    expect(await engine.call('getUnreadCount', { bindingId: phone })).toEqual({ unread: 2, lastReadIndex: events[1]!.index });

    // A late read receipt for an older message never moves the horizon back.
    await statusCallback(engine, 'gw', { status: 'read', deliveryId: (await deliveryTo(engine, events[0]!.id, phone)).id });
    await statusCallback(engine, 'gw', { status: 'read', deliveryId: (await deliveryTo(engine, events[3]!.id, phone)).id });
    await until(async () => (await engine.call<Binding>('getBinding', { bindingId: phone })).lastReadIndex === events[3]!.index, 'the read horizon');
    await engine.idle();
    expect(await engine.call('getUnreadCount', { bindingId: phone })).toEqual({ unread: 0, lastReadIndex: events[3]!.index });
  });
});

describe('restart', () => {
  it('a status write whose transaction failed is tried again: a sent delivery never stays queued', async () => {
    const path = join(tempDir(), 'db.sqlite');
    const store = new SqliteStore(path);
    // The transactions holding the first two status changes fail whole (a lock another process held).
    const commit = store.commit.bind(store);
    let failed = 0;
    vi.spyOn(store, 'commit').mockImplementation((writes) => {
      const statusChange = Object.keys(writes).length === 1 && writes.deliveryStatuses?.every((d) => d.status !== 'queued');
      if (statusChange && failed < 2) {
        failed++;
        return Promise.reject(Object.assign(new Error('SQLITE_BUSY: database is locked'), { code: 'SQLITE_BUSY' }));
      }
      return commit(writes);
    });
    const receiver = await startReceiver();
    const engine = await openEngine(path, { store });
    await registerWebhookChannel(engine, receiver, 'hook');
    await registerWebhookChannel(engine, receiver, 'console');
    const { room, b } = await createRoom(engine, [
      { channelId: 'console', address: 'agent' },
      { channelId: 'hook', address: 'customer' },
    ]);
    const event = await send(engine, room.id, 'hello', { bindingId: b.agent!.id });
    await engine.idle();
    expect(failed).toBe(2);
    expect(receiver.to('hook')).toHaveLength(1);
    expect((await deliveryTo(engine, event.id, b.customer!.id)).status).toBe('delivered');
    const [queued] = await sql<{ n: number }>(path, "SELECT count(*) AS n FROM deliveries WHERE status = 'queued'");
    expect(queued!.n).toBe(0);
  });

  it('a delivery whose processing fails before the send is tried again in its place, and fails for good after as many tries as a send', async () => {
    const receiver = await startReceiver();
    let flaky = 2;
    const engine = await openEngine(join(tempDir(), 'db.sqlite'), {
      // Preparing the content fails: twice for one message (a store read that hiccups), always for another.
      prepareContent: (event) => {
        const text = String(event.content.text);
        if (text === 'poison' || (text === 'flaky' && flaky-- > 0)) throw new Error(`cannot prepare ${text}`);
        return { content: event.content };
      },
    });
    await registerWebhookChannel(engine, receiver, 'hook');
    await registerWebhookChannel(engine, receiver, 'console');
    const { room, b } = await createRoom(engine, [
      { channelId: 'console', address: 'agent' },
      { channelId: 'hook', address: 'customer' },
    ]);
    const say = (text: string) => send(engine, room.id, text, { bindingId: b.agent!.id });
    const events = [await say('flaky'), await say('poison'), await say('after')];
    await engine.idle();
    // In order: the later messages waited behind the one being tried again.
    expect(receiver.to('hook').map((r) => r.body.content.text)).toEqual(['flaky', 'after']);
    const outcome = await Promise.all(events.map(async (e) => (await deliveryTo(engine, e.id, b.customer!.id)) as Delivery));
    expect(outcome.map((d) => [d.status, d.error?.code ?? null])).toEqual([
      ['delivered', null],
      ['failed', 'processing_failed'],
      ['delivered', null],
    ]);
  });

  it('resumes queued deliveries in order and never resends sent or delivered ones', async () => {
    const path = join(tempDir(), 'db.sqlite');
    const receiver = await startReceiver();
    let engine: Engine = await openEngine(path);
    const gateway = new AcceptingProvider();
    const register = async (running: Engine, accepting: AcceptingProvider) => {
      await running.registerChannel({ id: 'gw', type: 'sms', provider: accepting });
      await registerWebhookChannel(running, receiver, 'hook');
      await registerWebhookChannel(running, receiver, 'later');
      await registerWebhookChannel(running, receiver, 'console');
    };
    await register(engine, gateway);
    const { room, b } = await createRoom(engine, [
      { channelId: 'console', address: 'agent' },
      { channelId: 'gw', address: '+15550001' },
      { channelId: 'hook', address: 'bob' },
      { channelId: 'later', address: 'carol' },
    ]);
    // carol's channel is not deployed: her deliveries wait, queued.
    await engine.unregisterChannel('later');
    const events: RoomEvent[] = [];
    for (let i = 0; i < 5; i++) events.push(await send(engine, room.id, `m${i}`, { bindingId: b.agent!.id }));
    await until(() => receiver.to('hook').length === 5 && gateway.sent.length === 5, 'the deployed channels');
    await until(async () => (await deliveryTo(engine, events[4]!.id, b.bob!.id)).status === 'delivered', 'the last status write');
    for (const event of events) expect((await deliveryTo(engine, event.id, b.carol!.id)).status).toBe('queued');
    await engine.close();

    const gatewayAfter = new AcceptingProvider();
    engine = await openEngine(path);
    await register(engine, gatewayAfter);
    await engine.idle();
    expect(receiver.to('later').map((r) => r.body.content.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(receiver.to('hook')).toHaveLength(5);
    expect(gatewayAfter.sent).toHaveLength(0);
    for (const event of events) {
      const { deliveries } = await deliveriesOf(engine, event.id);
      expect(Object.fromEntries(deliveries.map((d) => [d.channelId, [d.status, d.attempts]]))).toEqual({
        gw: ['sent', 1],
        hook: ['delivered', 1],
        later: ['delivered', 1],
      });
    }
  });

  it("resumes each participant's queued deliveries in index order, whatever order they were stored in", async () => {
    const path = join(tempDir(), 'db.sqlite');
    const receiver = await startReceiver();
    let engine: Engine = await openEngine(path);
    await registerWebhookChannel(engine, receiver, 'hook');
    await registerWebhookChannel(engine, receiver, 'console');
    const a = await createRoom(engine, [{ channelId: 'console', address: 'agent' }, { channelId: 'hook', address: 'x' }]);
    const b = await createRoom(engine, [{ channelId: 'console', address: 'agent' }, { channelId: 'hook', address: 'y' }]);
    await engine.unregisterChannel('hook');
    const a0 = await send(engine, a.room.id, 'a0', { bindingId: a.b.agent!.id });
    await send(engine, a.room.id, 'a1', { bindingId: a.b.agent!.id });
    await send(engine, b.room.id, 'b0', { bindingId: b.b.agent!.id });
    await engine.close();
    // A delivery can be stored after newer ones to the same participant (a fallback step to a
    // binding the participant already has in the room); make a0's row the last one.
    await sql(path, `UPDATE deliveries SET rowid = (SELECT MAX(rowid) + 1 FROM deliveries) WHERE event_id = '${a0.id}'`);

    engine = await openEngine(path);
    await registerWebhookChannel(engine, receiver, 'hook');
    await engine.idle();
    expect(receiver.to('hook/x').map((r) => r.body.content.text)).toEqual(['a0', 'a1']);
    expect(receiver.to('hook/y').map((r) => r.body.content.text)).toEqual(['b0']);
  });

  it('a delivery that was between retries when the engine stopped carries on with its attempt count', async () => {
    const path = join(tempDir(), 'db.sqlite');
    const receiver = await startReceiver((r) => (r.url.startsWith('/hook/') ? { status: 503 } : { status: 200 }));
    let engine: Engine = await openEngine(path, { delivery: { maxAttempts: 4, baseBackoffMs: 60_000, maxBackoffMs: 60_000 } });
    await registerWebhookChannel(engine, receiver, 'hook');
    await registerWebhookChannel(engine, receiver, 'console');
    const { room, b } = await createRoom(engine, [
      { channelId: 'console', address: 'agent' },
      { channelId: 'hook', address: 'bob' },
    ]);
    const event = await send(engine, room.id, 'retry across a restart', { bindingId: b.agent!.id });
    await until(async () => (await deliveryTo(engine, event.id, b.bob!.id)).attempts === 1, 'the first attempt to be recorded');
    await engine.close();

    receiver.answer(() => ({ status: 200 }));
    engine = await openEngine(path);
    await registerWebhookChannel(engine, receiver, 'hook');
    await engine.idle();
    expect(receiver.to('hook').map((r) => r.key)).toEqual([`${event.id}:${b.bob!.id}`, `${event.id}:${b.bob!.id}`]);
    expect(await deliveryTo(engine, event.id, b.bob!.id)).toMatchObject({ status: 'delivered', attempts: 2 });
  });
});
