// Binding membership, DESIGN.md sections 2 and 4: `invited` → `joined` → `left`. An invited binding
// receives nothing until it joins; a left binding receives nothing and its writes are refused;
// leaving is undone only by the explicit rejoinBinding; channels that cannot accept an invitation
// (`info.autoJoin`) join at once. Every change is a `binding` event and an `on_binding` hook.
import { afterEach, describe, expect, it } from 'vitest';
import { FlowProvider, type Binding, type HookContext, type OutboundMessage } from '../../runtime/src';
import { cleanupAll, createRoom, rejection, rowCounts, send, timeline, until } from '../runtime/support/engine';
import { closeServers, openIdentityEngine, roomOf } from './support';

afterEach(async () => {
  await cleanupAll();
  await closeServers();
});

const update = (engine: Awaited<ReturnType<typeof openIdentityEngine>>['engine'], bindingId: string, changes: Record<string, unknown>) =>
  engine.call<Binding>('updateBinding', { bindingId, ...changes });

describe('invited → joined', () => {
  it('an invited binding receives nothing until it joins; joining is a binding event and an on_binding hook', async () => {
    const t = await openIdentityEngine();
    const { room, b } = await createRoom(t.engine, [
      { channelId: 'web', address: 'visitor-1', state: 'invited' },
      { channelId: 'console', address: 'agent-1' },
    ]);
    expect(b['visitor-1']!.state).toBe('invited');
    const hooks: HookContext[] = [];
    t.engine.registerHook({ name: 'membership', trigger: 'on_binding' }, (c) => void hooks.push(c));

    const before = await send(t.engine, room.id, { bindingId: b['agent-1']!.id, text: 'before joining' });
    await t.engine.idle();
    expect(t.received.web).toEqual([]);
    expect(await t.engine.call('getDeliveries', { eventId: before.id })).toMatchObject({ deliveries: [] });

    const joined = await update(t.engine, b['visitor-1']!.id, { state: 'joined' });
    expect(joined.state).toBe('joined');
    const record = (await timeline(t.engine, room.id, { audit: true })).filter((e) => e.type === 'binding').pop()!;
    expect(record.metadata).toEqual({ bindingId: joined.id, change: 'state', before: { state: 'invited' }, after: { state: 'joined' } });
    await until(() => hooks.length > 0, 'the on_binding hook');
    expect(hooks[0]!.detail).toMatchObject({ change: 'state', binding: { id: joined.id, state: 'joined' } });

    await send(t.engine, room.id, { bindingId: b['agent-1']!.id, text: 'after joining' });
    await t.engine.idle();
    expect(t.received.web.map((m: OutboundMessage) => m.content.text)).toEqual(['after joining']);
  });

  it('an invitation can be declined (invited → left); joined never goes back to invited', async () => {
    const t = await openIdentityEngine();
    const { b } = await createRoom(t.engine, [
      { channelId: 'web', address: 'declines', state: 'invited' },
      { channelId: 'console', address: 'agent-1' },
    ]);
    expect((await update(t.engine, b['declines']!.id, { state: 'left' })).state).toBe('left');
    const back = await rejection(update(t.engine, b['agent-1']!.id, { state: 'invited' }));
    expect(back).toMatchObject({ code: 'conflict', field: 'state' });
    expect(back.message).toBe('state: a binding cannot go from joined to invited');
  });

  it('a message from an invited participant is their acceptance: the binding joins, then the message is written', async () => {
    const t = await openIdentityEngine();
    const { room, b } = await createRoom(t.engine, [
      { channelId: 'sms', address: '+15550100080', state: 'invited' },
      { channelId: 'console', address: 'agent-1' },
    ]);
    const accepted = await t.inboundOn('sms', { from: '+15550100080', text: 'yes, I am here' });
    expect(accepted.roomId).toBe(room.id);
    expect((await roomOf(t.engine, room.id)).bindings.find((x) => x.id === b['+15550100080']!.id)!.state).toBe('joined');
    const audit = await timeline(t.engine, room.id, { audit: true });
    const joinedAt = audit.findIndex((e) => e.type === 'binding' && e.metadata.change === 'state');
    const messageAt = audit.findIndex((e) => e.id === accepted.eventId);
    expect(joinedAt).toBeGreaterThan(-1);
    expect(joinedAt).toBeLessThan(messageAt);
  });

  it('on a channel that cannot accept an invitation (info.autoJoin) an invited binding is joined at once', async () => {
    const t = await openIdentityEngine({ waInfo: { autoJoin: true } });
    const { room, b } = await createRoom(t.engine, [
      { channelId: 'wa', address: '+15550100081', state: 'invited' },
      { channelId: 'web', address: 'visitor-2', state: 'invited' },
      { channelId: 'console', address: 'agent-1' },
    ]);
    expect(b['+15550100081']!.state).toBe('joined');
    expect(b['visitor-2']!.state).toBe('invited');
    const { binding } = await t.engine.call<{ binding: Binding }>('attachBinding', { roomId: room.id, channelId: 'wa', address: '+15550100082', state: 'invited' });
    expect(binding.state).toBe('joined');
    const event = await send(t.engine, room.id, { bindingId: b['agent-1']!.id, text: 'to everyone' });
    await t.engine.idle();
    // Targets are planned at commit: the joined WhatsApp bindings, not the invited visitor.
    const { deliveries } = await t.engine.call<{ deliveries: { bindingId: string }[] }>('getDeliveries', { eventId: event.id });
    expect(deliveries.map((d) => d.bindingId).sort()).toEqual([b['+15550100081']!.id, binding.id].sort());
    expect(t.received.web).toEqual([]);
  });
});

describe('joined → left → (explicit) joined', () => {
  it('a left binding receives nothing and its writes are refused with a clear error; nothing is stored', async () => {
    const t = await openIdentityEngine();
    const { room, b } = await createRoom(t.engine, [
      { channelId: 'web', address: 'visitor-3' },
      { channelId: 'console', address: 'agent-1' },
    ]);
    await t.engine.call('detachBinding', { bindingId: b['visitor-3']!.id });
    await send(t.engine, room.id, { bindingId: b['agent-1']!.id, text: 'after leaving' });
    await t.engine.idle();
    expect(t.received.web).toEqual([]);
    const before = await rowCounts(t.path);
    const refused = await rejection(send(t.engine, room.id, { bindingId: b['visitor-3']!.id, text: 'let me back' }));
    expect(refused).toMatchObject({ code: 'forbidden', field: 'bindingId', httpStatus: 403 });
    expect(refused.message).toMatch(/has left room/);
    expect(await rowCounts(t.path)).toEqual(before);
  });

  it('leaving is final for every change except the explicit rejoinBinding', async () => {
    const t = await openIdentityEngine();
    const { room, b } = await createRoom(t.engine, [
      { channelId: 'web', address: 'visitor-4' },
      { channelId: 'console', address: 'agent-1' },
    ]);
    const visitor = b['visitor-4']!.id;
    await t.engine.call('detachBinding', { bindingId: visitor });
    const before = await rowCounts(t.path);
    for (const changes of [{ state: 'joined' }, { muted: true }, { state: 'invited' }, { state: 'left' }]) {
      const refused = await rejection(update(t.engine, visitor, changes));
      expect({ changes, code: refused.code, field: refused.field }).toEqual({ changes, code: 'forbidden', field: 'bindingId' });
      expect(refused.message).toMatch(/rejoinBinding/);
    }
    expect(await rejection(t.engine.call('rejoinBinding', { bindingId: b['agent-1']!.id }))).toMatchObject({ code: 'conflict', field: 'bindingId' });
    expect(await rowCounts(t.path)).toEqual(before);
    // Its read horizon too: it keeps its past as it was when it left.
    await send(t.engine, room.id, { bindingId: b['agent-1']!.id, text: 'after leaving' });
    const horizon = (await t.engine.call<Binding>('getBinding', { bindingId: visitor })).lastReadIndex;
    const unread = await rejection(t.engine.call('markRead', { bindingId: visitor, index: 1000 }));
    expect({ code: unread.code, field: unread.field }).toEqual({ code: 'forbidden', field: 'bindingId' });
    expect((await t.engine.call<Binding>('getBinding', { bindingId: visitor })).lastReadIndex).toBe(horizon);

    const hooks: HookContext[] = [];
    t.engine.registerHook({ name: 'membership', trigger: 'on_binding' }, (c) => void hooks.push(c));
    const rejoined = await t.engine.call<Binding>('rejoinBinding', { bindingId: visitor });
    expect(rejoined).toMatchObject({ id: visitor, state: 'joined' });
    const record = (await timeline(t.engine, room.id, { audit: true })).filter((e) => e.type === 'binding').pop()!;
    expect(record.metadata).toEqual({ bindingId: visitor, change: 'state', before: { state: 'left' }, after: { state: 'joined' } });
    await until(() => hooks.length > 0, 'the on_binding hook');
    expect(hooks[0]!.detail).toMatchObject({ change: 'state', binding: { id: visitor, state: 'joined' } });

    await send(t.engine, room.id, { bindingId: b['agent-1']!.id, text: 'welcome back' });
    expect((await send(t.engine, room.id, { bindingId: visitor, text: 'thanks' })).status).toBe('committed');
    await t.engine.idle();
    expect(t.received.web.map((m) => m.content.text)).toEqual(['welcome back']);
  });

  it('a detached participant is not silently re-attached by inbound traffic, but rejoinBinding brings its messages back', async () => {
    const t = await openIdentityEngine();
    const { room, b } = await createRoom(t.engine, [{ channelId: 'sms', address: '+15550100083' }, { channelId: 'console', address: 'agent-1' }]);
    await t.engine.call('detachBinding', { bindingId: b['+15550100083']!.id });
    expect((await t.inboundOn('sms', { from: '+15550100083', text: 'elsewhere' })).roomId).not.toBe(room.id);
    await t.engine.call('rejoinBinding', { bindingId: b['+15550100083']!.id });
    expect((await t.inboundOn('sms', { from: '+15550100083', text: 'explicit roomId', roomId: room.id })).roomId).toBe(room.id);
  });

  it('membership of a flow participant follows the same rules', async () => {
    const t = await openIdentityEngine();
    const bot = new FlowProvider();
    const heard: string[] = [];
    bot.listen((m) => heard.push(String(m.content.text)));
    await t.engine.registerChannel({ id: 'bot', type: 'flow', provider: bot, info: { autoJoin: true } });
    const { room, b } = await createRoom(t.engine, [{ channelId: 'bot', address: 'helper', state: 'invited' }, { channelId: 'console', address: 'agent-1' }]);
    expect(b['helper']!.state).toBe('joined');
    await send(t.engine, room.id, { bindingId: b['agent-1']!.id, text: 'one' });
    await t.engine.idle();
    expect(heard).toEqual(['one']);
  });
});
