// DESIGN.md section 3, one test per rule: every timeline write goes through one choke point, in
// the order validate → route → identity → per-room serial section → commit → deliver.
import { afterEach, describe, expect, it } from 'vitest';
import type { Binding, Delivery, Room, RoomEvent } from '../../runtime/src';
import {
  cleanupAll,
  createRoom,
  deferred,
  inbound,
  messages,
  openTestEngine,
  query,
  rejection,
  rowCounts,
  send,
  texts,
  timeline,
  until,
  webhookRequest,
} from '../runtime/support/engine';

afterEach(cleanupAll);

async function roomOf(engine: import('../../runtime/src').Engine, roomId: string): Promise<{ room: Room; bindings: Binding[] }> {
  return engine.call('getRoom', { roomId });
}

describe('DESIGN §3 pipeline', () => {
  it('3.1 validate: bad input is rejected naming the field, nothing is stored', async () => {
    const { engine, path } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    const before = await rowCounts(path);

    const missing = await rejection(engine.call('sendEvent', { roomId: room.id, content: { type: 'text' } }));
    expect(missing).toMatchObject({ code: 'invalid_input', field: 'content.text', httpStatus: 400 });
    const tooLong = await rejection(
      engine.call('sendEvent', { roomId: room.id, bindingId: b['visitor-1']!.id, content: { type: 'text', text: 'x' }, correlationId: 'c'.repeat(129) }),
    );
    expect(tooLong).toMatchObject({ code: 'invalid_input', field: 'correlationId' });
    const nested = await rejection(
      engine.call('sendEvent', { roomId: room.id, content: { type: 'rich', text: 'pick', buttons: [{ title: 'ok' }, { title: 'x'.repeat(101) }] } }),
    );
    expect(nested).toMatchObject({ code: 'invalid_input', field: 'content.buttons[1].title' });
    // Provider traffic is validated too: a payload the channel cannot read opens no room.
    const badInbound = await rejection(engine.handleWebhook('sms', webhookRequest({ from: '+15559999' })));
    expect(badInbound).toMatchObject({ code: 'invalid_input', httpStatus: 400 });

    expect(await rowCounts(path)).toEqual(before);
  });

  it('3.2 route: an explicit roomId is used', async () => {
    const { engine } = await openTestEngine();
    const first = await createRoom(engine);
    const second = await createRoom(engine);
    const accepted = await inbound(engine, { roomId: first.room.id, text: 'to the first room' });
    expect(accepted.roomId).toBe(first.room.id);
    expect(texts(await timeline(engine, first.room.id))).toEqual(['to the first room']);
    expect(texts(await timeline(engine, second.room.id))).toEqual([]);
  });

  it('3.2 route: inbound with no open room opens a new room', async () => {
    const { engine } = await openTestEngine();
    const accepted = await inbound(engine, { from: '+15557777', text: 'first contact' });
    const { room, bindings } = await roomOf(engine, accepted.roomId);
    expect(room.state).toBe('active');
    expect(bindings).toEqual([expect.objectContaining({ channelId: 'sms', address: '+15557777', state: 'joined' })]);
    expect(texts(await timeline(engine, room.id))).toEqual(['first contact']);
  });

  it('3.2 route: the latest active room where the address is bound on this channel type is used', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    const accepted = await inbound(engine, { text: 'back again' });
    expect(accepted.roomId).toBe(room.id);
    const [event] = messages(await timeline(engine, room.id));
    expect(event!.source.bindingId).toBe(b['+15550001']!.id);
  });

  it('3.2 route: several candidate rooms → a new room, never a guess', async () => {
    const { engine } = await openTestEngine();
    const one = await createRoom(engine);
    const two = await createRoom(engine);
    const accepted = await inbound(engine, { text: 'which room?' });
    expect([one.room.id, two.room.id]).not.toContain(accepted.roomId);
    expect(texts(await timeline(engine, one.room.id))).toEqual([]);
    expect(texts(await timeline(engine, two.room.id))).toEqual([]);
    expect(texts(await timeline(engine, accepted.roomId))).toEqual(['which room?']);
  });

  it('3.2 route: closed room is never written; inbound opens a new room', async () => {
    const { engine, path } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    await engine.call('closeRoom', { roomId: room.id });
    const before = await rowCounts(path);

    expect(await rejection(send(engine, room.id, { text: 'late' }))).toMatchObject({ code: 'room_closed', httpStatus: 409 });
    expect(await rejection(send(engine, room.id, { bindingId: b['visitor-1']!.id }))).toMatchObject({ code: 'room_closed' });
    expect(await rejection(engine.call('attachBinding', { roomId: room.id, channelId: 'web', address: 'visitor-2' }))).toMatchObject({ code: 'room_closed' });
    expect(await rejection(engine.call('updateBinding', { bindingId: b['visitor-1']!.id, muted: true }))).toMatchObject({ code: 'room_closed' });
    expect(
      await rejection(engine.call('createRoom', { id: room.id, bindings: [{ channelId: 'web', address: 'visitor-3' }] })),
    ).toMatchObject({ code: 'room_closed' });
    expect(await rowCounts(path)).toEqual(before);

    const accepted = await inbound(engine, { text: 'hello after close' });
    expect(accepted.roomId).not.toBe(room.id);
    expect((await roomOf(engine, room.id)).room.latestIndex).toBe((await timeline(engine, room.id, { audit: true })).length - 1);
    expect(texts(await timeline(engine, room.id))).toEqual([]);
  });

  it('3.2 route: an archived room is never written', async () => {
    const { engine } = await openTestEngine();
    const { room } = await createRoom(engine);
    await engine.call('archiveRoom', { roomId: room.id });
    expect(await rejection(send(engine, room.id))).toMatchObject({ code: 'room_closed' });
    expect((await inbound(engine, { text: 'x' })).roomId).not.toBe(room.id);
  });

  it('3.2 route: paused room resumes on inbound traffic', async () => {
    const { engine } = await openTestEngine();
    const { room } = await createRoom(engine);
    await engine.call('pauseRoom', { roomId: room.id });
    const accepted = await inbound(engine, { text: 'anyone there?' });
    expect(accepted.roomId).toBe(room.id);
    const after = await roomOf(engine, room.id);
    expect(after.room.state).toBe('active');
    const audit = await timeline(engine, room.id, { audit: true });
    const resumed = audit.find((e) => e.type === 'room' && e.metadata.reason === 'traffic');
    expect(resumed).toMatchObject({ metadata: { state: 'active' } });
    // The room resumes before the message that woke it is committed.
    expect(resumed!.index).toBe(accepted.index - 1);
  });

  it('3.4 a write that fails inside the serial section changes nothing: a paused room stays paused, no index is skipped', async () => {
    // The failure comes after the draft resumed the room in memory: a log sink that throws on the
    // warning of a hook that failed open.
    let sinkDown = true;
    const logger = {
      info: () => undefined,
      error: () => undefined,
      warn: (message: string) => {
        if (sinkDown) throw new Error(`log sink down: ${message}`);
      },
    };
    const { engine } = await openTestEngine({ logger });
    const { room } = await createRoom(engine);
    await engine.call('pauseRoom', { roomId: room.id });
    engine.registerHook({ name: 'crm', trigger: 'before_broadcast', failMode: 'open' }, () => {
      throw new Error('crm down');
    });
    await expect(inbound(engine, { text: 'first', id: 'SM-first' })).rejects.toThrow('log sink down');
    expect((await roomOf(engine, room.id)).room.state).toBe('paused');

    // The provider's retry, once the sink is back, resumes the room and is stored right after it.
    sinkDown = false;
    const accepted = await inbound(engine, { text: 'first', id: 'SM-first' });
    expect((await roomOf(engine, room.id)).room.state).toBe('active');
    const audit = await timeline(engine, room.id, { audit: true });
    expect(audit.map((e) => e.index)).toEqual(audit.map((_, i) => i));
    expect(audit.filter((e) => e.type === 'room' && e.metadata.reason === 'traffic')).toHaveLength(1);
    expect(accepted.index).toBe(audit.at(-1)!.index);
  });

  it('3.2 route: a detached binding is never silently re-attached', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    const customer = b['+15550001']!;
    await engine.call('detachBinding', { bindingId: customer.id });

    const accepted = await inbound(engine, { text: 'I am back' });
    expect(accepted.roomId).not.toBe(room.id);
    expect(await rejection(engine.handleWebhook('sms', webhookRequest({ from: '+15550001', text: 'x', roomId: room.id })))).toMatchObject({
      code: 'forbidden',
    });
    expect(await rejection(send(engine, room.id, { bindingId: customer.id }))).toMatchObject({ code: 'forbidden', field: 'bindingId' });
    const { bindings } = await roomOf(engine, room.id);
    expect(bindings.filter((x) => x.address === '+15550001')).toEqual([expect.objectContaining({ id: customer.id, state: 'left' })]);
  });

  it('3.3 identity: the sender address resolves to an identity, auto-created once', async () => {
    const { engine, path } = await openTestEngine();
    const first = await inbound(engine, { from: '+15558888', text: 'one' });
    const second = await inbound(engine, { from: '+15558888', text: 'two' });
    expect(second.roomId).toBe(first.roomId);
    const { bindings } = await roomOf(engine, first.roomId);
    expect(bindings[0]!.identityId).toMatch(/^idn_/);
    const rows = await query<{ identity_id: string }>(path, "SELECT identity_id FROM identity_addresses WHERE channel_type = 'sms' AND address = ?", [
      '+15558888',
    ]);
    expect(rows).toEqual([{ identity_id: bindings[0]!.identityId }]);
    const [event] = messages(await timeline(engine, first.roomId));
    expect(event!.source.identityId).toBe(bindings[0]!.identityId);
    // The same address in another room resolves to the same person.
    const other = await createRoom(engine, [{ channelId: 'sms', address: '+15558888' }]);
    expect(other.b['+15558888']!.identityId).toBe(bindings[0]!.identityId);
  });

  it('3.4 per-room serial order, rooms in parallel', async () => {
    const { engine } = await openTestEngine();
    const a = await createRoom(engine);
    const b = await createRoom(engine);
    const release = deferred();
    const seen: unknown[] = [];
    engine.registerHook({ name: 'hold-a1', trigger: 'before_broadcast', roomId: a.room.id }, async (context) => {
      seen.push(context.event!.content.text);
      if (context.event!.content.text === 'a1') await release.promise;
    });

    const a1 = send(engine, a.room.id, { text: 'a1' });
    const a2 = send(engine, a.room.id, { text: 'a2' });
    await until(() => seen.includes('a1'), 'a1 in its hook');
    // Room b is not held up by room a.
    const b1 = await send(engine, b.room.id, { text: 'b1' });
    expect(b1.status).toBe('committed');
    // a2 waits for a1: it has not even reached the hook.
    expect(seen).toEqual(['a1']);

    release.resolve();
    const [e1, e2] = await Promise.all([a1, a2]);
    expect(seen).toEqual(['a1', 'a2']);
    expect(e2.index).toBe(e1.index + 1);
  });

  it('3.4 room-state gate: the gate is checked inside the serial section, in arrival order', async () => {
    const { engine } = await openTestEngine();
    const { room } = await createRoom(engine);
    const before = send(engine, room.id, { text: 'before close' });
    const close = engine.call('closeRoom', { roomId: room.id });
    const after = send(engine, room.id, { text: 'after close' });
    expect((await before).status).toBe('committed');
    await close;
    expect(await rejection(after)).toMatchObject({ code: 'room_closed' });
  });

  it('3.4 idempotency key returns the original event and stores nothing', async () => {
    const { engine, path } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    const first = await engine.call<{ event: RoomEvent; duplicate: boolean }>('sendEvent', {
      roomId: room.id,
      bindingId: b['agent-1']!.id,
      content: { type: 'text', text: 'once' },
      idempotencyKey: 'key-1',
    });
    await engine.idle();
    const before = await rowCounts(path);
    const again = await engine.call<{ event: RoomEvent; duplicate: boolean; deliveryIds: string[] }>('sendEvent', {
      roomId: room.id,
      bindingId: b['agent-1']!.id,
      content: { type: 'text', text: 'a different body is still the same request' },
      idempotencyKey: 'key-1',
    });
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ duplicate: true, deliveryIds: [] });
    expect(again.event).toEqual(first.event);
    await engine.idle();
    expect(await rowCounts(path)).toEqual(before);
    expect(texts(await timeline(engine, room.id))).toEqual(['once']);
  });

  it('3.4 an idempotency key answers only its writer: another writer reusing it is refused, never handed the event', async () => {
    const { engine, path } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    const note = await engine.call<{ event: RoomEvent }>('addInternalNote', {
      roomId: room.id,
      bindingId: b['agent-1']!.id,
      content: { type: 'text', text: 'chargeback risk' },
      idempotencyKey: 'order-1001',
    });
    await engine.idle();
    const before = await rowCounts(path);
    for (const writer of [b['visitor-1']!.id, undefined]) {
      const refused = await rejection(engine.call('sendEvent', { roomId: room.id, ...(writer ? { bindingId: writer } : {}), content: { type: 'text', text: 'any news?' }, idempotencyKey: 'order-1001' }));
      expect({ code: refused.code, field: refused.field, message: refused.message }).toEqual({
        code: 'idempotency_mismatch',
        field: 'idempotencyKey',
        message: expect.not.stringContaining('chargeback'),
      });
    }
    expect(await rowCounts(path)).toEqual(before);
    // Its writer's retry is still answered with the event.
    const retry = await engine.call<{ event: RoomEvent; duplicate: boolean }>('addInternalNote', {
      roomId: room.id,
      bindingId: b['agent-1']!.id,
      content: { type: 'text', text: 'chargeback risk' },
      idempotencyKey: 'order-1001',
    });
    expect(retry).toMatchObject({ duplicate: true, event: { id: note.event.id } });
  });

  it('3.4 provider message id retry is deduplicated', async () => {
    const { engine, path } = await openTestEngine();
    const { room } = await createRoom(engine);
    const first = await inbound(engine, { id: 'SM-1', text: 'hi' });
    await engine.idle();
    const before = await rowCounts(path);
    const retry = await inbound(engine, { id: 'SM-1', text: 'hi' });
    expect(first).toMatchObject({ roomId: room.id, duplicate: false });
    expect(retry).toMatchObject({ eventId: first.eventId, index: first.index, duplicate: true });
    await engine.idle();
    expect(await rowCounts(path)).toEqual(before);
    expect(texts(await timeline(engine, room.id))).toEqual(['hi']);
  });

  it('3.4 muted/read-only source stored blocked', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine, [
      { channelId: 'sms', address: '+15550001', muted: true },
      { channelId: 'web', address: 'reader', access: 'read_only' },
      { channelId: 'console', address: 'agent-1' },
    ]);
    const muted = await inbound(engine, { text: 'from a muted customer' });
    const readOnly = await send(engine, room.id, { bindingId: b.reader!.id, text: 'from a reader' });
    expect(muted).toMatchObject({ roomId: room.id, status: 'blocked' });
    expect(readOnly).toMatchObject({ status: 'blocked', blockedBy: 'read_only' });
    const audit = messages(await timeline(engine, room.id, { audit: true }));
    expect(audit.map((e) => [e.content.text, e.status, e.blockedBy])).toEqual([
      ['from a muted customer', 'blocked', 'muted'],
      ['from a reader', 'blocked', 'read_only'],
    ]);
    const deliveries = await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId: readOnly.id });
    expect(deliveries.deliveries).toEqual([]);
  });

  it('3.5 commit assigns a gapless index; outbox rows in the same transaction', async () => {
    const { engine, path } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    engine.registerHook({ name: 'notes', trigger: 'before_broadcast', roomId: room.id }, (context) =>
      context.event!.content.text === 'inject' ? { inject: [{ content: { type: 'text', text: 'injected' }, to: [b['agent-1']!.id] }] } : undefined,
    );
    await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'one' });
    await engine.call('updateBinding', { bindingId: b['visitor-1']!.id, muted: true });
    await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: 'blocked' });
    await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'inject' });
    await engine.call('attachBinding', { roomId: room.id, channelId: 'web', address: 'visitor-2' });
    const event = await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'last' });

    // Read over another connection right after the call resolved: event and outbox rows together.
    const rows = await query<{ idx: number; status: string }>(path, 'SELECT idx, status FROM events WHERE room_id = ? ORDER BY idx', [room.id]);
    expect(rows.map((r) => r.idx)).toEqual(rows.map((_, i) => i));
    const outbox = await query<{ binding_id: string }>(path, 'SELECT binding_id FROM deliveries WHERE event_id = ? ORDER BY binding_id', [event.id]);
    const visitor2 = (await roomOf(engine, room.id)).bindings.find((x) => x.address === 'visitor-2')!;
    // A muted binding still reads; the agent (the source) is not a target.
    expect(outbox.map((r) => r.binding_id).sort()).toEqual([b['+15550001']!.id, b['visitor-1']!.id, visitor2.id].sort());
    const { room: stored } = await roomOf(engine, room.id);
    expect(stored.latestIndex).toBe(rows.length - 1);
    expect(event.index).toBe(rows.length - 1);
  });

  it('3.5 the caller resolves only after the commit is durable', async () => {
    const { engine, path } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    for (let i = 0; i < 20; i++) {
      const event = await send(engine, room.id, { bindingId: b['visitor-1']!.id, text: `m${i}` });
      const rows = await query<{ idx: number; data: string }>(path, 'SELECT idx, data FROM events WHERE id = ?', [event.id]);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.idx).toBe(event.index);
      expect(JSON.parse(rows[0]!.data).content.text).toBe(`m${i}`);
      const outbox = await query(path, 'SELECT id FROM deliveries WHERE event_id = ?', [event.id]);
      expect(outbox).toHaveLength(2);
    }
  });

  it('3.6 delivery per target in index order', async () => {
    const { engine, sms, received } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    // Early requests answer slowest: a sender that did not wait would reorder them.
    sms.respond(
      (_request, i) =>
        new Promise((resolve) => setTimeout(() => resolve(i % 7 === 3 ? { status: 503 } : { status: 200 }), Math.max(0, 20 - i))),
    );
    const sent: RoomEvent[] = [];
    for (let i = 0; i < 30; i++) sent.push(await send(engine, room.id, { bindingId: b['agent-1']!.id, text: `m${i}` }));
    await engine.idle();
    const smsOrder = sms.requests.map((r) => JSON.parse(r.body.toString()).index as number);
    const delivered = [...new Set(smsOrder)];
    expect(delivered).toEqual(sent.map((e) => e.index));
    // A retried send is repeated before the next event goes out.
    for (let i = 1; i < smsOrder.length; i++) expect(smsOrder[i]!).toBeGreaterThanOrEqual(smsOrder[i - 1]!);
    expect(received.web.map((m) => m.event.index)).toEqual(sent.map((e) => e.index));
    expect(received.console).toEqual([]);
  });

  it('3.6 deliver: content is prepared for each target channel before the send', async () => {
    const { engine, sms, received } = await openTestEngine({
      prepareContent: (event, target) => ({ content: { type: 'text', text: `${target.channelType}: ${String(event.content.text)}` } }),
    });
    const { room, b } = await createRoom(engine);
    await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'hello' });
    await engine.idle();
    expect(JSON.parse(sms.requests[0]!.body.toString()).content).toEqual({ type: 'text', text: 'sms: hello' });
    expect(received.web[0]!.content).toEqual({ type: 'text', text: 'webchat: hello' });
    // The timeline keeps what was said, not what each channel was sent.
    expect(texts(await timeline(engine, room.id))).toEqual(['hello']);
  });

  it('3.6 deliver: status is recorded per target', async () => {
    const { engine, sms } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    sms.respond(() => ({ status: 400 }));
    const event = await send(engine, room.id, { bindingId: b['agent-1']!.id });
    await engine.idle();
    const { deliveries } = await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId: event.id });
    const byBinding = Object.fromEntries(deliveries.map((d) => [d.bindingId, d]));
    expect(byBinding[b['+15550001']!.id]).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'http_400' } });
    expect(byBinding[b['visitor-1']!.id]).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('3.7 chain depth over the maximum is stored blocked chain_depth', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine, [{ channelId: 'web', address: 'visitor-1' }, { channelId: 'console', address: 'bot' }]);
    const atLimit = await send(engine, room.id, { bindingId: b.bot!.id, chainDepth: 5, text: 'depth 5' });
    const over = await send(engine, room.id, { bindingId: b.bot!.id, chainDepth: 6, text: 'depth 6' });
    expect(atLimit).toMatchObject({ status: 'committed', chainDepth: 5 });
    expect(over).toMatchObject({ status: 'blocked', blockedBy: 'chain_depth', chainDepth: 6 });
    expect((await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId: over.id })).deliveries).toEqual([]);

    const strict = await openTestEngine({ maxChainDepth: 1 });
    const r = await createRoom(strict.engine, [{ channelId: 'web', address: 'visitor-1' }]);
    expect(await send(strict.engine, r.room.id, { chainDepth: 2 })).toMatchObject({ status: 'blocked', blockedBy: 'chain_depth' });
    expect(await send(strict.engine, r.room.id, { chainDepth: 1 })).toMatchObject({ status: 'committed' });
  });
});
