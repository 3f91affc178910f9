// The read horizon and unread counts, and the per-event delivery aggregate.
import { afterEach, describe, expect, it } from 'vitest';
import type { Binding, Delivery } from '../../runtime/src';
import { cleanupAll, createRoom, openTestEngine, rejection, send, webhookRequest } from './support/engine';

afterEach(cleanupAll);

type Unread = { unread: number; lastReadIndex: number };

describe('read horizon', () => {
  it('getUnreadCount counts only events the binding may see, never its own, never blocked ones', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine, [
      { channelId: 'web', address: 'customer' },
      { channelId: 'console', address: 'agent-1' },
      { channelId: 'console', address: 'notes', visibility: 'internal' },
      { channelId: 'console', address: 'muted-agent', muted: true },
    ]);
    const customer = b.customer!.id;
    const unread = () => engine.call<Unread>('getUnreadCount', { bindingId: customer });
    expect(await unread()).toEqual({ unread: 0, lastReadIndex: -1 });

    const first = await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'hello' });
    await send(engine, room.id, { bindingId: b.notes!.id, text: 'internal note' });
    await send(engine, room.id, { bindingId: customer, text: 'my own message' });
    await send(engine, room.id, { bindingId: b['muted-agent']!.id, text: 'blocked' });
    await engine.call('attachBinding', { roomId: room.id, channelId: 'console', address: 'agent-2' });
    const last = await send(engine, room.id, { text: 'system notice' });
    expect(await unread()).toEqual({ unread: 2, lastReadIndex: -1 });

    // Staff see internal notes and lifecycle records; they count for them.
    const agentUnread = await engine.call<Unread>('getUnreadCount', { bindingId: b['agent-1']!.id });
    expect(agentUnread.unread).toBeGreaterThan(2);

    const marked = await engine.call<Binding>('markRead', { bindingId: customer, index: first.index });
    expect(marked.lastReadIndex).toBe(first.index);
    expect(await unread()).toEqual({ unread: 1, lastReadIndex: first.index });
    await engine.call('markRead', { bindingId: customer, index: last.index });
    expect(await unread()).toEqual({ unread: 0, lastReadIndex: last.index });
  });

  it('markRead never moves back and never past the newest event', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    const events = [];
    for (let i = 0; i < 3; i++) events.push(await send(engine, room.id, { text: `m${i}` }));
    const id = b['visitor-1']!.id;
    expect((await engine.call<Binding>('markRead', { bindingId: id, index: events[2]!.index })).lastReadIndex).toBe(events[2]!.index);
    expect((await engine.call<Binding>('markRead', { bindingId: id, index: events[0]!.index })).lastReadIndex).toBe(events[2]!.index);
    expect((await engine.call<Binding>('markRead', { bindingId: id, index: 1_000_000 })).lastReadIndex).toBe(events[2]!.index);
    expect((await engine.call<Binding>('getBinding', { bindingId: id })).lastReadIndex).toBe(events[2]!.index);
    const next = await send(engine, room.id, { text: 'new' });
    expect(await engine.call<Unread>('getUnreadCount', { bindingId: id })).toEqual({ unread: 1, lastReadIndex: events[2]!.index });
    expect(next.index).toBe(events[2]!.index + 1);
    expect(await rejection(engine.call('markRead', { bindingId: 'bnd_missing', index: 0 }))).toMatchObject({ code: 'not_found', field: 'bindingId' });
    expect(await rejection(engine.call('getUnreadCount', { bindingId: 'bnd_missing' }))).toMatchObject({ code: 'not_found' });
    expect(await rejection(engine.call('markRead', { bindingId: id, index: -1 }))).toMatchObject({ code: 'invalid_input', field: 'index' });
  });
});

describe('delivery aggregate', () => {
  it('getDeliveries returns the rows and total / all / some / none per status', async () => {
    const { engine, sms } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    sms.respond(() => ({ status: 400 }));
    const mixed = await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'one fails' });
    await engine.idle();
    const first = await engine.call<{ deliveries: Delivery[]; aggregate: Record<string, unknown> }>('getDeliveries', { eventId: mixed.id });
    expect(first.deliveries.map((d) => d.status).sort()).toEqual(['delivered', 'failed']);
    expect(first.aggregate).toEqual({ total: 2, queued: 'none', sent: 'some', delivered: 'some', read: 'none', failed: 'some', undelivered: 'none' });

    sms.respond(() => ({ status: 200, body: JSON.stringify({ id: 'SM-out-1' }) }));
    const good = await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'all good' });
    await engine.idle();
    const second = await engine.call<{ deliveries: Delivery[]; aggregate: Record<string, unknown> }>('getDeliveries', { eventId: good.id });
    expect(second.aggregate).toMatchObject({ total: 2, sent: 'all', delivered: 'all', read: 'none', failed: 'none' });
    await engine.handleWebhook('sms', webhookRequest({ type: 'status', messageId: 'SM-out-1', status: 'read' }));
    const third = await engine.call<{ aggregate: Record<string, unknown> }>('getDeliveries', { eventId: good.id });
    expect(third.aggregate).toMatchObject({ total: 2, delivered: 'all', read: 'some' });

    const muted = await engine.call('updateBinding', { bindingId: b['agent-1']!.id, muted: true }).then(() => send(engine, room.id, { bindingId: b['agent-1']!.id }));
    const none = await engine.call<{ aggregate: Record<string, unknown> }>('getDeliveries', { eventId: muted.id });
    expect(none.aggregate).toEqual({ total: 0, queued: 'none', sent: 'none', delivered: 'none', read: 'none', failed: 'none', undelivered: 'none' });
    expect(await rejection(engine.call('getDeliveries', { eventId: 'evt_missing' }))).toMatchObject({ code: 'not_found', field: 'eventId' });
  });
});
