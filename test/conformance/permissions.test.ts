// DESIGN.md section 4, one test per rule: the permission table row by row, visibility values,
// targets, per-reader history, blocked events, and visibility stamped at commit.
import { afterEach, describe, expect, it } from 'vitest';
import { FlowProvider, type Binding, type Delivery, type Engine, type OutboundMessage, type SideEffect } from '../../runtime/src';
import { cleanupAll, createRoom, messages, openTestEngine, send, texts, timeline, type BindingSpec } from '../runtime/support/engine';

afterEach(cleanupAll);

async function targetsOf(engine: Engine, eventId: string): Promise<string[]> {
  const { deliveries } = await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId });
  return deliveries.map((d) => d.bindingId).sort();
}

const ids = (...bindings: (Binding | undefined)[]): string[] => bindings.map((b) => b!.id).sort();

type Row = {
  name: string;
  spec: Partial<BindingSpec>;
  receives: boolean;
  own: { status: 'committed' | 'blocked'; blockedBy: string | null; broadcast: boolean };
};

const TABLE: Row[] = [
  { name: 'access read_write: receives events; own writes committed and broadcast', spec: { access: 'read_write' }, receives: true, own: { status: 'committed', blockedBy: null, broadcast: true } },
  { name: 'access read_only: receives events; own writes stored blocked (read_only), not broadcast', spec: { access: 'read_only' }, receives: true, own: { status: 'blocked', blockedBy: 'read_only', broadcast: false } },
  { name: 'access write_only: receives nothing; own writes committed and broadcast', spec: { access: 'write_only' }, receives: false, own: { status: 'committed', blockedBy: null, broadcast: true } },
  { name: 'access none: receives nothing; own writes stored blocked (read_only)', spec: { access: 'none' }, receives: false, own: { status: 'blocked', blockedBy: 'read_only', broadcast: false } },
  { name: 'muted: still receives; own writes stored blocked (muted)', spec: { muted: true }, receives: true, own: { status: 'blocked', blockedBy: 'muted', broadcast: false } },
];

describe('DESIGN §4 permissions', () => {
  for (const row of TABLE) {
    it(`4 table, ${row.name}`, async () => {
      const { engine, received } = await openTestEngine();
      const { room, b } = await createRoom(engine, [
        { channelId: 'web', address: 'subject', ...row.spec },
        { channelId: 'web', address: 'other' },
        { channelId: 'console', address: 'agent-1' },
      ]);
      const subject = b.subject!;

      const incoming = await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'to everyone' });
      const own = await send(engine, room.id, { bindingId: subject.id, text: 'from the subject' });
      await engine.idle();

      expect((await targetsOf(engine, incoming.id)).includes(subject.id)).toBe(row.receives);
      expect(received.web.some((m) => m.to.address === 'subject' && m.event.id === incoming.id)).toBe(row.receives);
      expect(texts(await timeline(engine, room.id, { bindingId: subject.id })).includes('to everyone')).toBe(row.receives);

      expect(own).toMatchObject({ status: row.own.status, blockedBy: row.own.blockedBy });
      expect(await targetsOf(engine, own.id)).toEqual(row.own.broadcast ? ids(b.other, b['agent-1']) : []);
      expect(texts(await timeline(engine, room.id, { bindingId: b.other!.id })).includes('from the subject')).toBe(row.own.broadcast);
      expect(received.web.some((m) => m.event.id === own.id)).toBe(row.own.broadcast);
    });
  }

  it('4 table, muted: its side effects still flow', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine, [
      { channelId: 'web', address: 'customer', muted: true },
      { channelId: 'console', address: 'agent-1' },
    ]);
    engine.registerHook({ name: 'triage', trigger: 'before_broadcast' }, (context) => ({
      tasks: [{ title: `call back about: ${String(context.event!.content.text)}` }],
      observations: [{ content: 'customer is upset', category: 'sentiment', confidence: 0.9 }],
    }));
    const event = await send(engine, room.id, { bindingId: b.customer!.id, text: 'refund now' });
    expect(event).toMatchObject({ status: 'blocked', blockedBy: 'muted' });
    const { sideEffects } = await engine.call<{ sideEffects: SideEffect[] }>('listSideEffects', { roomId: room.id });
    expect(sideEffects.map((s) => [s.kind, s.eventId, s.producedBy])).toEqual([
      ['task', event.id, 'triage'],
      ['observation', event.id, 'triage'],
    ]);
    expect(sideEffects[0]!.data).toMatchObject({ title: 'call back about: refund now', status: 'open' });
  });

  it('4 table: access is checked before mute (a muted read-only binding is blocked read_only)', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine, [{ channelId: 'web', address: 'x', access: 'read_only', muted: true }]);
    expect(await send(engine, room.id, { bindingId: b.x!.id })).toMatchObject({ status: 'blocked', blockedBy: 'read_only' });
  });

  describe('visibility is set on the source binding and stamped on each event it writes', () => {
    async function setup(visibility: BindingSpec['visibility']) {
      const test = await openTestEngine();
      const room = await createRoom(test.engine, [
        { channelId: 'web', address: 'source', visibility },
        { channelId: 'web', address: 'customer' },
        { channelId: 'sms', address: '+15550001' },
        { channelId: 'console', address: 'agent-1' },
        { channelId: 'console', address: 'agent-2' },
      ]);
      const event = await send(test.engine, room.room.id, { bindingId: room.b.source!.id, text: 'note' });
      const seenBy = async (address: string) => texts(await timeline(test.engine, room.room.id, { bindingId: room.b[address]!.id })).includes('note');
      return { ...test, ...room, event, seenBy };
    }

    it('4 visibility all: every reading binding', async () => {
      const { engine, b, event, seenBy } = await setup('all');
      expect(event.visibility).toBe('all');
      expect(await targetsOf(engine, event.id)).toEqual(ids(b.customer, b['+15550001'], b['agent-1'], b['agent-2']));
      for (const reader of ['customer', '+15550001', 'agent-1', 'agent-2']) expect(await seenBy(reader)).toBe(true);
    });

    it('4 visibility internal: only internal-audience bindings (internal notes)', async () => {
      const { engine, b, event, seenBy } = await setup('internal');
      expect(event.visibility).toBe('internal');
      expect(await targetsOf(engine, event.id)).toEqual(ids(b['agent-1'], b['agent-2']));
      expect([await seenBy('customer'), await seenBy('+15550001'), await seenBy('agent-1'), await seenBy('agent-2')]).toEqual([false, false, true, true]);
    });

    it('4 visibility none: stored only', async () => {
      const { engine, room, event, seenBy } = await setup('none');
      expect(event).toMatchObject({ visibility: 'none', status: 'committed' });
      expect(await targetsOf(engine, event.id)).toEqual([]);
      for (const reader of ['customer', '+15550001', 'agent-1', 'agent-2']) expect(await seenBy(reader)).toBe(false);
      expect(texts(await timeline(engine, room.id))).toEqual(['note']);
    });

    it('4 visibility list of channel ids', async () => {
      const { engine, b, event, seenBy } = await setup(['sms']);
      expect(event.visibility).toEqual(['sms']);
      expect(await targetsOf(engine, event.id)).toEqual(ids(b['+15550001']));
      expect([await seenBy('customer'), await seenBy('+15550001'), await seenBy('agent-1')]).toEqual([false, true, false]);
    });

    it('4 visibility list of binding ids', async () => {
      const test = await openTestEngine();
      const { room, b } = await createRoom(test.engine, [
        { channelId: 'web', address: 'source' },
        { channelId: 'web', address: 'customer' },
        { channelId: 'console', address: 'agent-1' },
        { channelId: 'console', address: 'agent-2' },
      ]);
      await test.engine.call('updateBinding', { bindingId: b.source!.id, visibility: [b['agent-2']!.id, b.customer!.id] });
      const event = await send(test.engine, room.id, { bindingId: b.source!.id, text: 'note' });
      expect(await targetsOf(test.engine, event.id)).toEqual(ids(b['agent-2'], b.customer));
      const seen = async (address: string) => texts(await timeline(test.engine, room.id, { bindingId: b[address]!.id })).includes('note');
      expect([await seen('customer'), await seen('agent-1'), await seen('agent-2')]).toEqual([true, false, true]);
    });

    it('4 a binding always sees its own events', async () => {
      const { engine, room, b, event } = await setup('none');
      expect(texts(await timeline(engine, room.id, { bindingId: b.source!.id }))).toEqual(['note']);
      // Also when it cannot read anything else.
      await engine.call('updateBinding', { bindingId: b.source!.id, access: 'write_only', visibility: 'all' });
      await send(engine, room.id, { bindingId: b.customer!.id, text: 'from the customer' });
      const second = await send(engine, room.id, { bindingId: b.source!.id, text: 'second note' });
      expect(second.status).toBe('committed');
      expect(texts(await timeline(engine, room.id, { bindingId: b.source!.id }))).toEqual(['note', 'second note']);
      expect(event.source.bindingId).toBe(b.source!.id);
    });

    it('4 a system write (no source binding) may carry its own visibility', async () => {
      const { engine, room, b } = await setup('all');
      const event = await send(engine, room.id, { text: 'staff only', visibility: 'internal' });
      expect(await targetsOf(engine, event.id)).toEqual(ids(b['agent-1'], b['agent-2']));
    });
  });

  it('4 targets exclude the source, left, inbound-only and invisible bindings', async () => {
    const { engine } = await openTestEngine();
    const feed = new FlowProvider();
    const fed: OutboundMessage[] = [];
    feed.listen((m) => fed.push(m));
    await engine.registerChannel({ id: 'feed', type: 'webchat', provider: feed, direction: 'inbound' });
    const { room, b } = await createRoom(engine, [
      { channelId: 'console', address: 'agent-1' },
      { channelId: 'web', address: 'reader' },
      { channelId: 'web', address: 'leaver' },
      { channelId: 'feed', address: 'inbound-only' },
      { channelId: 'web', address: 'not-listed' },
    ]);
    expect(b['inbound-only']!.direction).toBe('inbound');
    await engine.call('detachBinding', { bindingId: b.leaver!.id });
    await engine.call('updateBinding', { bindingId: b['agent-1']!.id, visibility: [b.reader!.id, b.leaver!.id, b['inbound-only']!.id, 'feed'] });
    const event = await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'hi' });
    await engine.idle();
    expect(await targetsOf(engine, event.id)).toEqual(ids(b.reader));
    expect(fed).toEqual([]);
    // Each exclusion on its own: with visibility `all`, only the source, the leaver and the inbound-only binding are left out.
    await engine.call('updateBinding', { bindingId: b['agent-1']!.id, visibility: 'all' });
    const broad = await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'all' });
    expect(await targetsOf(engine, broad.id)).toEqual(ids(b.reader, b['not-listed']));
  });

  it('4 history shown to a reader is filtered by the same rule', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine, [
      { channelId: 'web', address: 'customer' },
      { channelId: 'console', address: 'agent-1' },
      { channelId: 'console', address: 'note-taker', visibility: 'internal' },
      { channelId: 'web', address: 'whisper', visibility: ['console'] },
      { channelId: 'web', address: 'blind', access: 'write_only' },
    ]);
    await send(engine, room.id, { bindingId: b.customer!.id, text: 'public' });
    await send(engine, room.id, { bindingId: b['note-taker']!.id, text: 'internal note' });
    await send(engine, room.id, { bindingId: b.whisper!.id, text: 'to console' });
    await send(engine, room.id, { bindingId: b.blind!.id, text: 'from blind' });
    const seen = async (address: string) => texts(await timeline(engine, room.id, { bindingId: b[address]!.id }));
    expect(await seen('customer')).toEqual(['public', 'from blind']);
    expect(await seen('agent-1')).toEqual(['public', 'internal note', 'to console', 'from blind']);
    expect(await seen('whisper')).toEqual(['public', 'to console', 'from blind']);
    expect(await seen('blind')).toEqual(['from blind']);
    // Lifecycle records are internal: staff see who joined, customers do not.
    const customerView = await timeline(engine, room.id, { bindingId: b.customer!.id });
    expect(customerView.every((e) => e.type === 'message')).toBe(true);
    expect((await timeline(engine, room.id, { bindingId: b['agent-1']!.id })).some((e) => e.type === 'binding')).toBe(true);
  });

  it('4 blocked events are out of every history but present in an audit read', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine, [
      { channelId: 'web', address: 'muted', muted: true },
      { channelId: 'console', address: 'agent-1' },
    ]);
    engine.registerHook({ name: 'profanity', trigger: 'before_broadcast' }, (c) => (c.event!.content.text === 'bad word' ? { action: 'block', reason: 'profanity' } : undefined));
    await send(engine, room.id, { bindingId: b.muted!.id, text: 'muted words' });
    await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'bad word' });
    await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'fine' });
    for (const reader of [b.muted!, b['agent-1']!]) expect(texts(await timeline(engine, room.id, { bindingId: reader.id }))).toEqual(['fine']);
    expect(texts(await timeline(engine, room.id))).toEqual(['fine']);
    const audit = messages(await timeline(engine, room.id, { audit: true }));
    expect(audit.map((e) => [e.content.text, e.status, e.blockedBy])).toEqual([
      ['muted words', 'blocked', 'muted'],
      ['bad word', 'blocked', 'profanity'],
      ['fine', 'committed', null],
    ]);
    const unread = await engine.call<{ unread: number }>('getUnreadCount', { bindingId: b.muted!.id });
    expect(unread.unread).toBe(1);
  });

  it('4 a binding that has left keeps its past: its history ends where it left and it counts no unread after', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine, [
      { channelId: 'web', address: 'leaver' },
      { channelId: 'web', address: 'stayer' },
      { channelId: 'console', address: 'agent-1' },
    ]);
    await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'before leaving' });
    await engine.call('detachBinding', { bindingId: b.leaver!.id });
    await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'after leaving' });
    await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'later still' });

    expect(texts(await timeline(engine, room.id, { bindingId: b.leaver!.id }))).toEqual(['before leaving']);
    expect(await engine.call('getUnreadCount', { bindingId: b.leaver!.id })).toMatchObject({ unread: 1 });
    // The same writes reach a binding that stayed: the cut is the leaving, not the messages.
    expect(texts(await timeline(engine, room.id, { bindingId: b.stayer!.id }))).toEqual(['before leaving', 'after leaving', 'later still']);
    expect(await engine.call('getUnreadCount', { bindingId: b.stayer!.id })).toMatchObject({ unread: 3 });
  });

  it('4 changing a binding later never rewrites who could see the past', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine, [
      { channelId: 'console', address: 'agent-1', visibility: 'internal' },
      { channelId: 'web', address: 'customer' },
      { channelId: 'console', address: 'agent-2' },
    ]);
    const before = await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'internal, before' });
    await engine.call('updateBinding', { bindingId: b['agent-1']!.id, visibility: 'all' });
    const after = await send(engine, room.id, { bindingId: b['agent-1']!.id, text: 'public, after' });
    await engine.call('updateBinding', { bindingId: b['agent-1']!.id, visibility: 'none' });

    const stored = await timeline(engine, room.id);
    expect(stored.find((e) => e.id === before.id)!.visibility).toBe('internal');
    expect(stored.find((e) => e.id === after.id)!.visibility).toBe('all');
    expect(texts(await timeline(engine, room.id, { bindingId: b.customer!.id }))).toEqual(['public, after']);
    expect(texts(await timeline(engine, room.id, { bindingId: b['agent-2']!.id }))).toEqual(['internal, before', 'public, after']);
    expect(await targetsOf(engine, before.id)).toEqual(ids(b['agent-2']));
  });
});

