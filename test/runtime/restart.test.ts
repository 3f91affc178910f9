// Closing and reopening the engine on the same SQLite file: everything the engine committed is
// there afterwards, the timeline continues gapless, and queued deliveries resume.
import { afterEach, describe, expect, it } from 'vitest';
import type { Binding, Delivery, Room, RoomEvent, SideEffect, StoredHook } from '../../runtime/src';
import { cleanupAll, createRoom, inbound, openTestEngine, send, timeline } from './support/engine';

afterEach(cleanupAll);

type Engine = import('../../runtime/src').Engine;

async function snapshot(engine: Engine, roomIds: string[]) {
  const rooms: unknown[] = [];
  for (const roomId of roomIds) {
    const { room, bindings } = await engine.call<{ room: Room; bindings: Binding[] }>('getRoom', { roomId });
    const events = await timeline(engine, roomId, { audit: true });
    const deliveries: Delivery[][] = [];
    for (const event of events) deliveries.push((await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId: event.id })).deliveries);
    const { sideEffects } = await engine.call<{ sideEffects: SideEffect[] }>('listSideEffects', { roomId });
    rooms.push({ room, bindings, events, deliveries, sideEffects });
  }
  return { rooms, hooks: await engine.listStoredHooks(), channels: await engine.call('listChannels', {}) };
}

describe('restart persistence', () => {
  it('rooms, bindings, events, hooks, side effects and deliveries are all there after a restart', async () => {
    const test = await openTestEngine();
    let engine = test.engine;
    const { room, b } = await createRoom(engine, undefined, { metadata: { customer: 'acme' }, timers: { inactiveAfter: 'PT1H' } });
    const other = await createRoom(engine, [{ channelId: 'web', address: 'someone' }]);
    engine.registerHookHandler('triage', (c) => (c.event!.content.text === 'urgent' ? { tasks: [{ title: 'call now' }], observations: [{ content: 'urgent' }] } : undefined));
    const hook: StoredHook = await engine.call('addRoomHook', { roomId: room.id, name: 'triage', trigger: 'before_broadcast', target: { handler: 'triage' } });
    await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'hello', idempotencyKey: 'k-1', correlationId: 'c-1', metadata: { n: 1 } });
    await inbound(engine, { id: 'SM-restart', text: 'urgent' });
    await engine.call('updateBinding', { bindingId: b['visitor-1']!.id, muted: true, metadata: { note: 'noisy' } });
    await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'blocked' });
    await engine.call('createTask', { roomId: room.id, title: 'by hand', assignee: 'bob' });
    await engine.call('markRead', { bindingId: b['agent-1']!.id, index: 5 });
    await engine.call('closeRoom', { roomId: other.room.id });
    await engine.idle();
    const before = await snapshot(engine, [room.id, other.room.id]);

    engine = await test.restart();
    await test.registerChannels();
    expect(await snapshot(engine, [room.id, other.room.id])).toEqual(before);
    expect(await engine.listStoredHooks()).toEqual([hook]);

    // The engine carries on where it stopped.
    engine.registerHookHandler('triage', () => ({ action: 'block', reason: 'after restart' }));
    const next = await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'after restart' });
    expect(next).toMatchObject({ index: (before.rooms[0] as { room: Room }).room.latestIndex + 1, status: 'blocked', blockedBy: 'triage' });
    const duplicate = await engine.call<{ event: RoomEvent; duplicate: boolean }>('sendEvent', {
      roomId: room.id,
      bindingId: b['agent-1']!.id,
      content: { type: 'text', text: 'hello' },
      idempotencyKey: 'k-1',
    });
    expect(duplicate.duplicate).toBe(true);
    expect(duplicate.event.content.text).toBe('hello');
    expect(await inbound(engine, { id: 'SM-restart', text: 'urgent' })).toMatchObject({ duplicate: true, roomId: room.id });
    const agent = await engine.call<Binding>('getBinding', { bindingId: b['agent-1']!.id });
    expect(agent.lastReadIndex).toBe(5);
    expect(await send(engine, other.room.id).catch((e: { code: string }) => e.code)).toBe('room_closed');
    const audit = await timeline(engine, room.id, { audit: true });
    expect(audit.map((e) => e.index)).toEqual(audit.map((_, i) => i));
  });

  it('a restarted engine resumes queued deliveries, in index order, once the channel is back', async () => {
    const test = await openTestEngine();
    const { room, b } = await createRoom(test.engine);
    // The SMS channel's node is not deployed: deliveries to it stay queued.
    await test.engine.unregisterChannel('sms');
    const events: RoomEvent[] = [];
    for (let i = 0; i < 5; i++) events.push(await send(test.engine, room.id, { bindingId: b['agent-1']!.id, text: `m${i}` }));
    await test.engine.close();

    const engine = await test.restart();
    const smsDelivery = async (event: RoomEvent) =>
      (await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId: event.id })).deliveries.find((d) => d.channelId === 'sms')!;
    expect((await smsDelivery(events[0]!)).status).toBe('queued');
    await test.registerChannels();
    await engine.idle();
    expect(test.sms.requests.map((r) => JSON.parse(r.body.toString()).content.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    for (const event of events) expect(await smsDelivery(event)).toMatchObject({ status: 'delivered', attempts: 1 });
  });
});
