// Index assignment and deduplication under concurrent callers: the per-room serial section and
// the group commit must give every room a gapless index in arrival order, and one event per key.
import { afterEach, describe, expect, it } from 'vitest';
import type { RoomEvent } from '../../runtime/src';
import { cleanupAll, createRoom, openTestEngine, query, timeline, webhookRequest } from './support/engine';

afterEach(cleanupAll);

const FLOW_ONLY = [
  { channelId: 'web', address: 'visitor-1' },
  { channelId: 'console', address: 'agent-1' },
];

function sendText(engine: import('../../runtime/src').Engine, roomId: string, text: string, extra: Record<string, unknown> = {}) {
  return engine.call<{ event: RoomEvent; duplicate: boolean }>('sendEvent', { roomId, content: { type: 'text', text }, ...extra });
}

describe('concurrency', () => {
  it('1,000 concurrent writes to one room get a gapless index in call order', async () => {
    const { engine, path } = await openTestEngine();
    const { room, b } = await createRoom(engine, FLOW_ONLY);
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => sendText(engine, room.id, `m${i}`, { bindingId: i % 2 ? b['visitor-1']!.id : b['agent-1']!.id })),
    );
    const first = results[0]!.event.index;
    results.forEach((r, i) => {
      expect(r.event.index).toBe(first + i);
      expect(r.event.content.text).toBe(`m${i}`);
    });
    const rows = await query<{ idx: number }>(path, 'SELECT idx FROM events WHERE room_id = ? ORDER BY idx', [room.id]);
    expect(rows.map((r) => r.idx)).toEqual(rows.map((_, i) => i));
    const [stored] = await query<{ latest_index: number }>(path, 'SELECT latest_index FROM rooms WHERE id = ?', [room.id]);
    expect(stored!.latest_index).toBe(rows.length - 1);
    await engine.idle();
    const [{ n }] = (await query<{ n: number }>(path, "SELECT count(*) AS n FROM deliveries WHERE room_id = ? AND status = 'delivered'", [room.id])) as [
      { n: number },
    ];
    expect(n).toBe(1000);
  });

  it('callers that keep one room busy (400 in flight, 4,000 writes): its events are announced, and reach each participant, in index order', async () => {
    const { engine, received } = await openTestEngine();
    const { room, b } = await createRoom(engine, FLOW_ONLY);
    const announced: number[] = [];
    engine.subscribe((n) => {
      if (n.kind === 'event' && n.roomId === room.id && n.event.type === 'message') announced.push(n.event.index);
    });
    // Each caller writes its next message once its last one is committed, as a busy flow or API
    // client does: the commits come in large batches, and each batch's callers write the next one.
    let next = 0;
    const caller = async () => {
      while (next < 4000) await sendText(engine, room.id, `m${next++}`, { bindingId: b['visitor-1']!.id });
    };
    await Promise.all(Array.from({ length: 400 }, caller));
    await engine.idle();
    const increasing = (indexes: number[]) => indexes.every((index, i) => i === 0 || index > indexes[i - 1]!);
    expect(announced).toHaveLength(4000);
    expect(increasing(announced)).toBe(true);
    const delivered = received.console.filter((m) => m.roomId === room.id).map((m) => m.event.index);
    expect(delivered).toHaveLength(4000);
    expect(increasing(delivered)).toBe(true);
  });

  it('50 rooms written concurrently: each room gapless and in call order', async () => {
    const { engine, path } = await openTestEngine();
    const rooms = await Promise.all(Array.from({ length: 50 }, () => createRoom(engine, FLOW_ONLY)));
    const calls: Promise<{ event: RoomEvent }>[] = [];
    for (let i = 0; i < 40; i++) for (const { room } of rooms) calls.push(sendText(engine, room.id, `${room.id}:${i}`));
    const results = await Promise.all(calls);
    const byRoom = new Map<string, RoomEvent[]>();
    for (const { event } of results) byRoom.set(event.roomId, [...(byRoom.get(event.roomId) ?? []), event]);
    expect(byRoom.size).toBe(50);
    for (const [roomId, events] of byRoom) {
      expect(events.map((e) => e.content.text)).toEqual(events.map((_, i) => `${roomId}:${i}`));
      expect(events.map((e) => e.index)).toEqual(events.map((_, i) => events[0]!.index + i));
      const audit = await timeline(engine, roomId, { audit: true });
      expect(audit.map((e) => e.index)).toEqual(audit.map((_, i) => i));
    }
    const gaps = await query(
      path,
      'SELECT room_id FROM events GROUP BY room_id HAVING count(*) <> max(idx) + 1 OR min(idx) <> 0',
    );
    expect(gaps).toEqual([]);
  });

  it('the same idempotency key sent 20 times at once makes one event', async () => {
    const { engine, path } = await openTestEngine();
    const { room } = await createRoom(engine, FLOW_ONLY);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => sendText(engine, room.id, `attempt ${i}`, { idempotencyKey: 'once', correlationId: 'c' })),
    );
    const ids = new Set(results.map((r) => r.event.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(results.every((r) => r.event.content.text === 'attempt 0')).toBe(true);
    const rows = await query(path, 'SELECT id FROM events WHERE room_id = ? AND idempotency_key = ?', [room.id, 'once']);
    expect(rows).toHaveLength(1);
    // Interleaved with other keys, each key still makes exactly one event.
    const mixed = await Promise.all(Array.from({ length: 60 }, (_, i) => sendText(engine, room.id, `k${i % 6}`, { idempotencyKey: `k${i % 6}` })));
    expect(new Set(mixed.map((r) => r.event.id)).size).toBe(6);
    const messages = (await timeline(engine, room.id)).filter((e) => e.type === 'message');
    expect(messages.map((e) => e.content.text)).toEqual(['attempt 0', 'k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
  });

  it('the same provider message id delivered 20 times at once makes one event', async () => {
    const { engine, path } = await openTestEngine();
    const { room } = await createRoom(engine, [{ channelId: 'sms', address: '+15550001' }, ...FLOW_ONLY]);
    const request = webhookRequest({ from: '+15550001', text: 'retry storm', id: 'SM-storm' });
    const results = await Promise.all(Array.from({ length: 20 }, () => engine.handleWebhook('sms', request)));
    const accepted = results.map((r) => (r.body as { accepted: { eventId: string; roomId: string; duplicate: boolean }[] }).accepted[0]!);
    expect(new Set(accepted.map((a) => a.eventId)).size).toBe(1);
    expect(accepted.every((a) => a.roomId === room.id)).toBe(true);
    expect(accepted.filter((a) => !a.duplicate)).toHaveLength(1);
    expect(await query(path, 'SELECT id FROM events WHERE provider_message_id = ?', ['SM-storm'])).toHaveLength(1);
  });

  it('first messages from a new sender, arriving at once, open one room', async () => {
    const { engine, path } = await openTestEngine();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => engine.handleWebhook('sms', webhookRequest({ from: '+15554444', text: `m${i}`, id: `SM-new-${i}` }))),
    );
    const rooms = new Set(results.map((r) => (r.body as { accepted: { roomId: string }[] }).accepted[0]!.roomId));
    expect(rooms.size).toBe(1);
    expect(await query(path, "SELECT id FROM identities")).toHaveLength(1);
    expect(await query(path, "SELECT id FROM bindings WHERE address = '+15554444'")).toHaveLength(1);
  });
});

describe('a write that lost its room to another engine', () => {
  it('is retried by the pipeline: stored once, right after the other engine\'s write, gapless, with no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // A second engine writing the same file: both assign the next index of the room from their
      // cache; the store's compare-and-set refuses the stale one, which reloads the room and retries.
      const first = await openTestEngine();
      const second = await openTestEngine({ path: first.path });
      const { room } = await createRoom(first.engine, FLOW_ONLY);
      await second.engine.call('getRoom', { roomId: room.id });
      await sendText(second.engine, room.id, 'loads the room into the second engine');
      const ok = await sendText(second.engine, room.id, 'from the second engine', { idempotencyKey: 'key-a' });
      const outcome = await sendText(first.engine, room.id, 'from the first engine', { idempotencyKey: 'key-b' }).then(
        () => 'committed',
        (error: { name?: string; code?: string }) => `${error.name}:${error.code}`,
      );
      expect(outcome).toBe('committed');
      // A client retry of the same key finds the stored event: the index right after the other engine's.
      const next = await sendText(first.engine, room.id, 'retry', { idempotencyKey: 'key-b' });
      expect(next.duplicate).toBe(true);
      expect(next.event.index).toBe(ok.event.index + 1);
      const audit = await timeline(first.engine, room.id, { audit: true });
      expect(audit.map((e) => e.index)).toEqual(audit.map((_, i) => i));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
