// DESIGN.md section 7, one test per rule: triggers, sync decisions (allow / block / modify, with
// injected events, tasks, observations and metadata updates), priority, scope, persistence,
// filters, timeout and fail mode.
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery, HookContext, Room, RoomEvent, SideEffect, StoredHook } from '../../runtime/src';
import { startLocalServer } from '../runtime/support/http';
import { cleanupAll, createRoom, deferred, inbound, messages, openTestEngine, send, texts, timeline, until } from '../runtime/support/engine';

afterEach(cleanupAll);

async function targetsOf(engine: import('../../runtime/src').Engine, eventId: string): Promise<string[]> {
  const { deliveries } = await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId });
  return deliveries.map((d) => d.bindingId).sort();
}

async function sideEffectsOf(engine: import('../../runtime/src').Engine, roomId: string): Promise<SideEffect[]> {
  return (await engine.call<{ sideEffects: SideEffect[] }>('listSideEffects', { roomId })).sideEffects;
}

describe('DESIGN §7 hooks', () => {
  it('7 before_broadcast allow: the event is committed unchanged', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    const seen: HookContext[] = [];
    engine.registerHook({ name: 'allow', trigger: 'before_broadcast' }, (context) => {
      seen.push(context);
      return { action: 'allow' };
    });
    const event = await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'hello' });
    expect(event).toMatchObject({ status: 'committed', blockedBy: null, content: { type: 'text', text: 'hello' } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ trigger: 'before_broadcast', hook: 'allow', room: { id: room.id }, sourceBinding: { id: b['visitor-1']!.id }, writeGate: null });
    expect(seen[0]!.event!.index).toBe(-1);
    expect((await targetsOf(engine, event.id)).length).toBe(2);
  });

  it('7 before_broadcast block(reason): stored blocked by the hook, not broadcast', async () => {
    const { engine, sms } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    engine.registerHook({ name: 'moderation', trigger: 'before_broadcast' }, (c) =>
      String(c.event!.content.text).includes('spam') ? { action: 'block', reason: 'looks like spam' } : undefined,
    );
    const blocked = await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'buy spam' });
    const fine = await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'a question' });
    await engine.idle();
    expect(blocked).toMatchObject({ status: 'blocked', blockedBy: 'moderation' });
    expect(fine.status).toBe('committed');
    expect(await targetsOf(engine, blocked.id)).toEqual([]);
    expect(sms.requests.map((r) => JSON.parse(r.body.toString()).eventId)).toEqual([fine.id]);
    expect(texts(await timeline(engine, room.id))).toEqual(['a question']);
  });


  it('7 a block reason is kept on the event, returned to the writer and carried by the notification', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    const notified: RoomEvent[] = [];
    engine.subscribe((n) => {
      if (n.kind === 'event' && n.event.type === 'message') notified.push(n.event);
    });
    engine.registerHook({ name: 'moderation', trigger: 'before_broadcast' }, (c) =>
      c.event!.content.text === 'buy now' ? { action: 'block', reason: 'spam' } : undefined,
    );
    const blocked = await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'buy now' });
    const allowed = await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'hello' });
    expect(blocked).toMatchObject({ status: 'blocked', blockedBy: 'moderation', blockReason: 'spam' });
    expect(allowed.blockReason ?? null).toBeNull();
    const audit = messages(await timeline(engine, room.id, { audit: true }));
    expect(audit.map((e) => e.blockReason ?? null)).toEqual(['spam', null]);
    await until(() => notified.length === 2, 'both notifications');
    expect(notified.map((e) => e.blockReason ?? null)).toEqual(['spam', null]);
    // A provider's write gets the reason in the webhook answer.
    const answer = await inbound(engine, { text: 'buy now', id: 'sms-spam-1' });
    expect(answer).toMatchObject({ status: 'blocked', blockedBy: 'moderation', blockReason: 'spam' });
  });

  it('7 modify with nothing to modify is a malformed decision: failMode closed blocks, open allows', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    let answer: unknown = { action: 'modify' };
    engine.registerHook({ name: 'strict', trigger: 'before_broadcast', failMode: 'closed' }, () => answer as never);
    const empty = await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'original' });
    expect(empty).toMatchObject({ status: 'blocked', blockedBy: 'strict' });
    expect(empty.blockReason).toMatch(/hook failed closed: .*content/);
    // The same hook with something to modify goes through.
    answer = { action: 'modify', content: { type: 'text', text: 'rewritten' } };
    const modified = await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'original' });
    expect(modified).toMatchObject({ status: 'committed', content: { text: 'rewritten' } });

    const open = await openTestEngine();
    const other = await createRoom(open.engine);
    open.engine.registerHook({ name: 'lenient', trigger: 'before_broadcast', failMode: 'open' }, () => ({ action: 'modify' }) as never);
    const through = await send(open.engine, other.room.id, { bindingId: other.b['visitor-1']!.id, text: 'original' });
    expect(through).toMatchObject({ status: 'committed', content: { text: 'original' } });
  });
  it('7 before_broadcast modify(event): the modified content and metadata are committed and delivered', async () => {
    const { engine, sms } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    engine.registerHook({ name: 'redact', trigger: 'before_broadcast' }, (c) => ({
      action: 'modify',
      content: { type: 'text', text: String(c.event!.content.text).replace(/\d{4}-\d{4}/g, '****') },
      metadata: { redacted: true },
    }));
    const event = await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'card 1234-5678 ok' });
    await engine.idle();
    expect(event).toMatchObject({ status: 'committed', content: { text: 'card **** ok' }, metadata: { redacted: true } });
    expect(JSON.parse(sms.requests[0]!.body.toString()).content.text).toBe('card **** ok');
    expect(texts(await timeline(engine, room.id))).toEqual(['card **** ok']);
  });

  it('7 before_broadcast: later hooks see the event as modified by earlier ones', async () => {
    const { engine } = await openTestEngine();
    const { room } = await createRoom(engine);
    engine.registerHook({ name: 'a', trigger: 'before_broadcast', priority: 1 }, (c) => ({ action: 'modify', content: { type: 'text', text: `${String(c.event!.content.text)} a` } }));
    engine.registerHook({ name: 'b', trigger: 'before_broadcast', priority: 2 }, (c) => ({ action: 'modify', content: { type: 'text', text: `${String(c.event!.content.text)} b` } }));
    expect((await send(engine, room.id, { text: 'x' })).content.text).toBe('x a b');
  });

  it('7 a hook returning invalid content is a hook failure (its fail mode applies)', async () => {
    const { engine } = await openTestEngine();
    const { room } = await createRoom(engine);
    const stop = engine.registerHook({ name: 'broken', trigger: 'before_broadcast' }, () => ({ action: 'modify', content: { type: 'text' } as never }));
    expect(await send(engine, room.id, { text: 'kept' })).toMatchObject({ status: 'committed', content: { text: 'kept' } });
    stop();
    engine.registerHook({ name: 'broken-closed', trigger: 'before_broadcast', failMode: 'closed' }, () => ({
      inject: [{ content: { type: 'nope' } as never }],
    }));
    expect(await send(engine, room.id, { text: 'blocked' })).toMatchObject({ status: 'blocked', blockedBy: 'broken-closed' });
  });

  it('7 injected events go to chosen bindings, right after the event', async () => {
    const { engine, received } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    engine.registerHook({ name: 'assist', trigger: 'before_broadcast' }, (c) =>
      c.sourceBinding?.address === '+15550001' ? { inject: [{ content: { type: 'text', text: 'suggested reply: sorry!' }, to: [b['agent-1']!.id] }] } : undefined,
    );
    const result = await engine.call<{ event: RoomEvent; injected: RoomEvent[] }>('sendEvent', {
      roomId: room.id,
      bindingId: b['+15550001']!.id,
      content: { type: 'text', text: 'this is broken' },
      correlationId: 'corr-1',
    });
    await engine.idle();
    expect(result.injected).toHaveLength(1);
    const injected = result.injected[0]!;
    expect(injected).toMatchObject({ index: result.event.index + 1, status: 'committed', visibility: [b['agent-1']!.id], source: { hook: 'assist', bindingId: null }, correlationId: 'corr-1' });
    expect(await targetsOf(engine, injected.id)).toEqual([b['agent-1']!.id]);
    expect(received.console.map((m) => m.content.text)).toEqual(['this is broken', 'suggested reply: sorry!']);
    expect(received.web.map((m) => m.content.text)).toEqual(['this is broken']);
    expect(texts(await timeline(engine, room.id, { bindingId: b['+15550001']!.id }))).toEqual(['this is broken']);
  });

  it('7 tasks, observations and room metadata updates from a sync hook are stored', async () => {
    const { engine } = await openTestEngine();
    const { room } = await createRoom(engine, undefined, { metadata: { plan: 'gold' } });
    engine.registerHook({ name: 'crm', trigger: 'before_broadcast' }, () => ({
      tasks: [{ title: 'follow up', assignee: 'alice', description: 'asked for a refund' }],
      observations: [{ content: 'wants a refund', category: 'intent', confidence: 0.8 }],
      metadataUpdates: { intent: 'refund', lastTopic: 'billing' },
    }));
    const event = await send(engine, room.id, { text: 'refund please' });
    const effects = await sideEffectsOf(engine, room.id);
    expect(effects.map((e) => [e.kind, e.producedBy, e.eventId])).toEqual([
      ['task', 'crm', event.id],
      ['observation', 'crm', event.id],
    ]);
    expect(effects[0]!.data).toEqual({ status: 'open', title: 'follow up', assignee: 'alice', description: 'asked for a refund' });
    expect(effects[1]!.data).toEqual({ content: 'wants a refund', category: 'intent', confidence: 0.8 });
    const { room: after } = await engine.call<{ room: Room }>('getRoom', { roomId: room.id });
    expect(after.metadata).toEqual({ plan: 'gold', intent: 'refund', lastTopic: 'billing' });
  });

  it('7 side effects are kept when the event is blocked or its author muted', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine, [
      { channelId: 'web', address: 'muted', muted: true },
      { channelId: 'console', address: 'agent-1' },
    ]);
    engine.registerHook({ name: 'observer', trigger: 'before_broadcast', priority: 1 }, (c) => ({
      observations: [{ content: `saw ${String(c.event!.content.text)}` }],
      metadataUpdates: { seen: c.event!.content.text! },
    }));
    engine.registerHook({ name: 'blocker', trigger: 'before_broadcast', priority: 2 }, (c) =>
      c.event!.content.text === 'blocked' ? { action: 'block', tasks: [{ title: 'review blocked message' }] } : undefined,
    );
    const blocked = await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'blocked' });
    const muted = await send(engine, room.id, { bindingId: b.muted!.id, text: 'muted' });
    expect(blocked).toMatchObject({ status: 'blocked', blockedBy: 'blocker' });
    expect(muted).toMatchObject({ status: 'blocked', blockedBy: 'muted' });
    const effects = await sideEffectsOf(engine, room.id);
    expect(effects.map((e) => [e.kind, e.eventId, e.data.content ?? e.data.title])).toEqual([
      ['task', blocked.id, 'review blocked message'],
      ['observation', blocked.id, 'saw blocked'],
      ['observation', muted.id, 'saw muted'],
    ]);
    const { room: after } = await engine.call<{ room: Room }>('getRoom', { roomId: room.id });
    expect(after.metadata).toEqual({ seen: 'muted' });
  });

  it('7 after_broadcast is async: runs after the commit and cannot block', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    const release = deferred();
    const ran: { text: unknown; storedStatus: string | undefined }[] = [];
    engine.registerHook({ name: 'audit', trigger: 'after_broadcast' }, async (c) => {
      const stored = await engine.call<{ events: RoomEvent[] }>('getTimeline', { roomId: room.id, audit: true });
      ran.push({ text: c.event!.content.text, storedStatus: stored.events.find((e) => e.id === c.event!.id)?.status });
      await release.promise;
      return { action: 'block', reason: 'too late' };
    });
    const event = await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'hi' });
    // The caller did not wait for the hook (it is still held).
    expect(event.status).toBe('committed');
    await until(() => ran.length === 1, 'the after_broadcast hook');
    expect(ran).toEqual([{ text: 'hi', storedStatus: 'committed' }]);
    release.resolve();
    await engine.idle();
    expect((await timeline(engine, room.id)).find((e) => e.id === event.id)!.status).toBe('committed');
    expect((await targetsOf(engine, event.id)).length).toBe(2);
    // Blocked events are not broadcast, so after_broadcast does not run for them.
    await engine.call('updateBinding', { bindingId: b['visitor-1']!.id, muted: true });
    await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'muted' });
    await send(engine, room.id, { text: 'marker' });
    await until(() => ran.length === 2, 'the second after_broadcast');
    expect(ran.map((r) => r.text)).toEqual(['hi', 'marker']);
  });

  it('7 on_binding: attached, detached, muted, unmuted, access, visibility', async () => {
    const { engine } = await openTestEngine();
    const changes: { change: unknown; address: unknown }[] = [];
    engine.registerHook({ name: 'bindings', trigger: 'on_binding' }, (c) => {
      changes.push({ change: c.detail!.change, address: (c.detail!.binding as { address: string }).address });
    });
    const { room, b } = await createRoom(engine, [{ channelId: 'web', address: 'visitor-1' }]);
    const { binding } = await engine.call<{ binding: { id: string } }>('attachBinding', { roomId: room.id, channelId: 'console', address: 'agent-1' });
    await engine.call('updateBinding', { bindingId: b['visitor-1']!.id, muted: true });
    await engine.call('updateBinding', { bindingId: b['visitor-1']!.id, muted: false });
    await engine.call('updateBinding', { bindingId: b['visitor-1']!.id, access: 'read_only', visibility: 'internal' });
    await engine.call('detachBinding', { bindingId: binding.id });
    await until(() => changes.length === 7, 'seven on_binding calls');
    expect(changes).toEqual([
      { change: 'attached', address: 'visitor-1' },
      { change: 'attached', address: 'agent-1' },
      { change: 'muted', address: 'visitor-1' },
      { change: 'unmuted', address: 'visitor-1' },
      { change: 'access', address: 'visitor-1' },
      { change: 'visibility', address: 'visitor-1' },
      { change: 'detached', address: 'agent-1' },
    ]);
  });

  it('7 on_room_state: created, paused, resumed, closed, archived', async () => {
    const { engine } = await openTestEngine();
    const states: unknown[] = [];
    engine.registerHook({ name: 'states', trigger: 'on_room_state' }, (c) => {
      states.push([c.detail!.change, c.detail!.reason]);
    });
    const { room } = await createRoom(engine);
    await engine.call('pauseRoom', { roomId: room.id });
    await engine.call('resumeRoom', { roomId: room.id });
    await engine.call('pauseRoom', { roomId: room.id });
    await inbound(engine, { text: 'wake up' });
    await engine.call('closeRoom', { roomId: room.id });
    await engine.call('archiveRoom', { roomId: room.id });
    await until(() => states.length === 7, 'seven on_room_state calls');
    expect(states).toEqual([
      ['created', 'api'],
      ['paused', 'api'],
      ['resumed', 'api'],
      ['paused', 'api'],
      ['resumed', 'traffic'],
      ['closed', 'api'],
      ['archived', 'api'],
    ]);
  });

  it('7 on_side_effect: every task and observation, from hooks and from the API', async () => {
    const { engine } = await openTestEngine();
    const { room } = await createRoom(engine);
    const seen: unknown[] = [];
    engine.registerHook({ name: 'effects', trigger: 'on_side_effect' }, (c) => {
      seen.push([c.detail!.kind, c.detail!.producedBy]);
    });
    engine.registerHook({ name: 'producer', trigger: 'before_broadcast' }, () => ({ tasks: [{ title: 't' }], observations: [{ content: 'o' }] }));
    await send(engine, room.id, { text: 'x' });
    await engine.call('createTask', { roomId: room.id, title: 'by hand' });
    await until(() => seen.length === 3, 'three on_side_effect calls');
    expect(seen).toEqual([
      ['task', 'producer'],
      ['observation', 'producer'],
      ['task', 'api'],
    ]);
  });

  it('7 on_delivery_status: each status change of a delivery, with the event correlation id', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine, [{ channelId: 'web', address: 'visitor-1' }, { channelId: 'console', address: 'agent-1' }]);
    const seen: unknown[] = [];
    engine.registerHook({ name: 'status', trigger: 'on_delivery_status' }, (c) => {
      const detail = c.detail as unknown as { delivery: Delivery; event: { correlationId: string } };
      seen.push([detail.delivery.bindingId, detail.delivery.status, detail.event.correlationId]);
    });
    await engine.call('sendEvent', { roomId: room.id, bindingId: b['agent-1']!.id, content: { type: 'text', text: 'x' }, correlationId: 'order-42' });
    await engine.idle();
    await until(() => seen.length === 1, 'on_delivery_status');
    expect(seen).toEqual([[b['visitor-1']!.id, 'delivered', 'order-42']]);
  });

  it('7 priority order (lower first); ties run in registration order; a block stops later hooks', async () => {
    const { engine } = await openTestEngine();
    const { room } = await createRoom(engine);
    const order: string[] = [];
    const hook = (name: string, priority: number, block = false) =>
      engine.registerHook({ name, trigger: 'before_broadcast', priority }, (c) => {
        order.push(name);
        return block && c.event!.content.text === 'stop' ? { action: 'block' } : undefined;
      });
    hook('p100', 100);
    hook('p-5', -5);
    hook('p10-first', 10);
    hook('p10-second', 10, true);
    hook('p50', 50);
    await send(engine, room.id, { text: 'go' });
    expect(order).toEqual(['p-5', 'p10-first', 'p10-second', 'p50', 'p100']);
    order.length = 0;
    expect(await send(engine, room.id, { text: 'stop' })).toMatchObject({ status: 'blocked', blockedBy: 'p10-second' });
    expect(order).toEqual(['p-5', 'p10-first', 'p10-second']);
  });

  it('7 global vs room scope', async () => {
    const { engine } = await openTestEngine();
    const one = await createRoom(engine);
    const two = await createRoom(engine);
    const calls: string[] = [];
    engine.registerHook({ name: 'global', trigger: 'before_broadcast' }, (c) => void calls.push(`global:${c.room!.id}`));
    engine.registerHook({ name: 'memory-room', trigger: 'before_broadcast', roomId: one.room.id }, (c) => void calls.push(`memory:${c.room!.id}`));
    engine.registerHookHandler('stored', (c) => void calls.push(`stored:${c.room!.id}`));
    await engine.call('addRoomHook', { roomId: two.room.id, name: 'stored-room', trigger: 'before_broadcast', target: { handler: 'stored' } });
    await send(engine, one.room.id);
    await send(engine, two.room.id);
    expect(calls.sort()).toEqual([`global:${one.room.id}`, `global:${two.room.id}`, `memory:${one.room.id}`, `stored:${two.room.id}`].sort());
    const { hooks } = await engine.call<{ hooks: { name: string; roomId: string | null }[] }>('listHooks', { roomId: two.room.id });
    expect(hooks.map((h) => h.name)).toEqual(['stored-room']);
  });

  it('7 room hooks are persisted: a named handler survives a restart', async () => {
    const test = await openTestEngine();
    const { room, b } = await createRoom(test.engine);
    const stored = await test.engine.call<StoredHook>('addRoomHook', {
      roomId: room.id,
      name: 'keyword-block',
      trigger: 'before_broadcast',
      priority: 7,
      failMode: 'closed',
      timeoutMs: 1000,
      target: { handler: 'keywords' },
    });
    const engine = await test.restart();
    await test.registerChannels();
    expect(await engine.listStoredHooks()).toEqual([stored]);
    // Until a flow registers the handler, the hook fails (closed here).
    expect(await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'early' })).toMatchObject({ status: 'blocked', blockedBy: 'keyword-block' });
    engine.registerHookHandler('keywords', (c) => (String(c.event!.content.text).includes('forbidden') ? { action: 'block', reason: 'keyword' } : { action: 'allow' }));
    expect(await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'forbidden word' })).toMatchObject({ status: 'blocked', blockedBy: 'keyword-block' });
    expect(await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'fine' })).toMatchObject({ status: 'committed' });
    await engine.call('removeRoomHook', { hookId: stored.id });
    const again = await test.restart();
    expect(await again.listStoredHooks()).toEqual([]);
  });

  it('7 room hooks are persisted: a URL hook survives a restart and receives the context', async () => {
    const endpoint = await startLocalServer((request) => {
      const context = JSON.parse(request.body.toString()) as HookContext;
      return String(context.event!.content.text).includes('spam')
        ? { status: 200, body: JSON.stringify({ action: 'block', reason: 'spam', tasks: [{ title: 'check sender' }] }), headers: { 'content-type': 'application/json' } }
        : { status: 200, body: '' };
    });
    try {
      const test = await openTestEngine();
      const { room, b } = await createRoom(test.engine);
      await test.engine.call('addRoomHook', { roomId: room.id, name: 'remote-moderation', trigger: 'before_broadcast', timeoutMs: 2000, target: { url: `${endpoint.url}hook` } });
      const engine = await test.restart();
      await test.registerChannels();
      const spam = await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'spam spam' });
      const ham = await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'hello' });
      expect(spam).toMatchObject({ status: 'blocked', blockedBy: 'remote-moderation' });
      expect(ham.status).toBe('committed');
      expect(endpoint.requests).toHaveLength(2);
      expect(endpoint.requests[0]).toMatchObject({ method: 'POST', url: '/hook', headers: { 'content-type': 'application/json' } });
      expect(JSON.parse(endpoint.requests[0]!.body.toString())).toMatchObject({ trigger: 'before_broadcast', hook: 'remote-moderation', room: { id: room.id } });
      expect((await sideEffectsOf(engine, room.id)).map((e) => e.data.title)).toEqual(['check sender']);
    } finally {
      await endpoint.close();
    }
  });

  it('7 filters: channel types, channel ids, directions', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    const calls: string[] = [];
    const record = (name: string) => (c: HookContext) => void calls.push(`${name}:${String(c.event!.content.text)}`);
    engine.registerHook({ name: 'sms-type', trigger: 'before_broadcast', filters: { channelTypes: ['sms'] } }, record('type'));
    engine.registerHook({ name: 'web-id', trigger: 'before_broadcast', filters: { channelIds: ['web'] } }, record('id'));
    engine.registerHook({ name: 'inbound-only', trigger: 'before_broadcast', filters: { directions: ['inbound'] } }, record('inbound'));
    engine.registerHook({ name: 'outbound-only', trigger: 'before_broadcast', filters: { directions: ['outbound'] } }, record('outbound'));
    await inbound(engine, { text: 'sms in' });
    await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'web out' });
    await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'console out' });
    await send(engine, room.id, { text: 'system out' });
    expect(calls.sort()).toEqual(['type:sms in', 'inbound:sms in', 'id:web out', 'outbound:web out', 'outbound:console out', 'outbound:system out'].sort());
  });

  it('7 timeout with failMode open: the event is allowed', async () => {
    const { engine } = await openTestEngine();
    const { room } = await createRoom(engine);
    engine.registerHook({ name: 'slow-open', trigger: 'before_broadcast', timeoutMs: 50, failMode: 'open' }, () => new Promise(() => undefined));
    const started = Date.now();
    const event = await send(engine, room.id, { text: 'x' });
    expect(event.status).toBe('committed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('7 timeout with failMode closed: the event is blocked by the hook', async () => {
    const { engine } = await openTestEngine();
    const { room } = await createRoom(engine);
    engine.registerHook({ name: 'slow-closed', trigger: 'before_broadcast', timeoutMs: 50, failMode: 'closed' }, () => new Promise(() => undefined));
    expect(await send(engine, room.id, { text: 'x' })).toMatchObject({ status: 'blocked', blockedBy: 'slow-closed' });
    expect(texts(await timeline(engine, room.id))).toEqual([]);
  });

  it('7 an erroring hook follows its fail mode too (a URL hook that hangs or answers 500)', async () => {
    const endpoint = await startLocalServer((request) => (request.url === '/hang' ? 'hang' : { status: 500 }));
    try {
      const { engine } = await openTestEngine();
      const { room } = await createRoom(engine);
      const add = (name: string, path: string, failMode: 'open' | 'closed') =>
        engine.call<StoredHook>('addRoomHook', { roomId: room.id, name, trigger: 'before_broadcast', timeoutMs: 50, failMode, target: { url: `${endpoint.url}${path}` } });
      const open = await add('error-open', 'error', 'open');
      expect((await send(engine, room.id)).status).toBe('committed');
      await engine.call('removeRoomHook', { hookId: open.id });
      const hang = await add('hang-closed', 'hang', 'closed');
      expect(await send(engine, room.id)).toMatchObject({ status: 'blocked', blockedBy: 'hang-closed' });
      await engine.call('removeRoomHook', { hookId: hang.id });
      engine.registerHook({ name: 'throws-closed', trigger: 'before_broadcast', failMode: 'closed' }, () => {
        throw new Error('classifier down');
      });
      expect(await send(engine, room.id)).toMatchObject({ status: 'blocked', blockedBy: 'throws-closed' });
    } finally {
      await endpoint.close();
    }
  });

  it('7 a malformed decision (from a URL hook) is a hook failure: its fail mode applies, nothing of it is stored', async () => {
    const decisions = [
      { tasks: 42 },
      { tasks: 'call me' },
      { tasks: [{ title: 42 }] },
      { observations: {} },
      { observations: [{ content: 'x', confidence: 'high' }] },
      { metadataUpdates: 'abc' },
      { metadataUpdates: [1, 2] },
      { inject: [{ content: { type: 'text', text: 'x' }, to: 'agent' }] },
      { inject: [{ content: { type: 'text', text: 'x' }, visibility: 'everyone' }] },
      { inject: 'x' },
      { action: 'explode' },
      { action: 'modify', content: 'plain string' },
      { action: 'block', reason: { nested: true } },
    ];
    const endpoint = await startLocalServer((_request, i) => ({ status: 200, body: JSON.stringify(decisions[i % decisions.length]) }));
    try {
      const { engine } = await openTestEngine();
      const { room } = await createRoom(engine);
      for (const failMode of ['open', 'closed'] as const) {
        const hook = await engine.call<StoredHook>('addRoomHook', { roomId: room.id, name: `remote-${failMode}`, trigger: 'before_broadcast', failMode, target: { url: endpoint.url } });
        for (const decision of decisions) {
          const event = await send(engine, room.id, { text: JSON.stringify(decision) });
          expect({ decision, status: event.status, blockedBy: event.blockedBy }).toEqual(
            failMode === 'open' ? { decision, status: 'committed', blockedBy: null } : { decision, status: 'blocked', blockedBy: `remote-${failMode}` },
          );
        }
        await engine.call('removeRoomHook', { hookId: hook.id });
      }
      await engine.idle();
      expect(await sideEffectsOf(engine, room.id)).toEqual([]);
      const { room: after } = await engine.call<{ room: Room }>('getRoom', { roomId: room.id });
      expect(after.metadata).toEqual({});
      expect(messages(await timeline(engine, room.id, { audit: true })).every((e) => e.source.hook === undefined)).toBe(true);
    } finally {
      await endpoint.close();
    }
  });

  it('7 metadata over 32 KB from a hook is a malformed decision: open keeps the message without it, closed blocks it', async () => {
    const { engine } = await openTestEngine();
    const { room } = await createRoom(engine);
    const oversized = { blob: 'x'.repeat(33 * 1024) };
    let answer: 'updates' | 'modify' | 'small' = 'updates';
    const decide = () =>
      answer === 'updates'
        ? { metadataUpdates: oversized }
        : answer === 'modify'
          ? { action: 'modify' as const, metadata: oversized }
          : { metadataUpdates: { topic: 'billing' }, action: 'modify' as const, metadata: { tagged: true } };
    engine.registerHook({ name: 'crm', trigger: 'before_broadcast', failMode: 'open' }, decide);
    for (const oversize of ['updates', 'modify'] as const) {
      answer = oversize;
      const event = await send(engine, room.id, { text: `open ${oversize}` });
      expect(event).toMatchObject({ status: 'committed', blockedBy: null, metadata: {} });
    }
    // The same hook within the bound: both are stored.
    answer = 'small';
    expect(await send(engine, room.id, { text: 'small' })).toMatchObject({ status: 'committed', metadata: { tagged: true } });
    expect((await engine.call<{ room: Room }>('getRoom', { roomId: room.id })).room.metadata).toEqual({ topic: 'billing' });

    engine.registerHook({ name: 'crm-closed', trigger: 'before_broadcast', failMode: 'closed', priority: 200 }, () => ({ metadataUpdates: oversized }));
    expect(await send(engine, room.id, { text: 'closed' })).toMatchObject({ status: 'blocked', blockedBy: 'crm-closed' });
    expect((await engine.call<{ room: Room }>('getRoom', { roomId: room.id })).room.metadata).toEqual({ topic: 'billing' });
  });

  it('7 before_deliver (sync, per target): block one target, modify another, filter by the target channel', async () => {
    const { engine, sms } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    const targets: string[] = [];
    engine.registerHook({ name: 'sms-only', trigger: 'before_deliver', filters: { channelTypes: ['sms'] } }, (c) => {
      targets.push(c.targetBinding!.id);
      return String(c.event!.content.text).includes('secret')
        ? { action: 'block', reason: 'not on SMS', tasks: [{ title: 'sent by web only' }] }
        : { action: 'modify', content: { type: 'text', text: `[sms] ${String(c.event!.content.text)}` } };
    });
    const plain = await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'hello' });
    const secret = await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'the secret code' });
    await engine.idle();
    // The hook ran only for the SMS target (the filter looks at the target's channel), once per event.
    expect(targets).toEqual([b['+15550001']!.id, b['+15550001']!.id]);
    expect(sms.requests.map((r) => JSON.parse(r.body.toString()).content.text)).toEqual(['[sms] hello']);
    const deliveries = async (eventId: string) =>
      Object.fromEntries(
        (await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId })).deliveries.map((d) => [d.channelId, d]),
      );
    const first = await deliveries(plain.id);
    expect(first.sms).toMatchObject({ status: 'delivered', sent: { parts: [{ type: 'text', text: '[sms] hello' }] } });
    expect(first.web!.status).toBe('delivered');
    const second = await deliveries(secret.id);
    expect(second.sms).toMatchObject({ status: 'failed', error: { code: 'blocked', reason: 'blocked by hook sms-only: not on SMS' } });
    expect(second.web!.status).toBe('delivered');
    expect((await sideEffectsOf(engine, room.id)).map((e) => e.data.title)).toEqual(['sent by web only']);
    // The timeline keeps the event as written: before_deliver changes one delivery, not history.
    expect(texts(await timeline(engine, room.id))).toEqual(['hello', 'the secret code']);
  });

  it('7 after_deliver: runs after each send with the target and the outcome', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    const seen: { target: string; status: unknown }[] = [];
    engine.registerHook({ name: 'audit', trigger: 'after_deliver' }, (c) => {
      seen.push({ target: c.targetBinding!.channelId, status: c.detail!.status });
    });
    await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'hello' });
    await engine.idle();
    await until(() => seen.length === 2, 'two after_deliver calls');
    expect(seen.sort((x, y) => x.target.localeCompare(y.target))).toEqual([
      { target: 'sms', status: 'delivered' },
      { target: 'web', status: 'delivered' },
    ]);
  });
  it('7 on_identity: created and merged', async () => {
    const { engine } = await openTestEngine();
    const seen: unknown[] = [];
    engine.registerHook({ name: 'identities', trigger: 'on_identity' }, (c) => {
      if (c.detail!.change !== 'unknown') seen.push(c.detail!.change);
    });
    await inbound(engine, { from: '+15550002', text: 'hi from sms' });
    await createRoom(engine, [{ channelId: 'web', address: 'visitor-9' }]);
    await until(() => seen.length === 2, 'two created identities');
    expect(seen).toEqual(['created', 'created']);
    await engine.call('mergeIdentities', { source: { channelType: 'sms', address: '+15550002' }, destination: { channelType: 'webchat', address: 'visitor-9' } });
    await until(() => seen.includes('merged'), 'the merge');
    expect(seen.filter((c) => c === 'merged')).toEqual(['merged']);
  });
});

