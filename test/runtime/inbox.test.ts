// The agent inbox operations (issue 11, DESIGN.md sections 4 and 12): each agent acts and reads
// through their own `agent` binding, so unread counts and read horizons are per agent; internal
// notes reach staff only; assignment is room metadata (`assignedTo`, `needsHuman`).
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentInboxProvider, type Binding, type Engine, type InboxRoom, type RoomEvent } from '../../runtime/src';
import { cleanupAll, createRoom, openTestEngine, send, texts, timeline } from './support/engine';

afterEach(cleanupAll);

const AGENTS = 'agent-inbox';

async function setUp() {
  const test = await openTestEngine();
  await test.engine.registerChannel({ id: AGENTS, type: 'agent', provider: createAgentInboxProvider(), profile: 'webhook', info: { audience: 'internal' } });
  const room = await createRoom(test.engine, [{ channelId: 'web', address: 'visitor-1' }]);
  return { ...test, room };
}

async function inbox(engine: Engine, agent: string, extra: Record<string, unknown> = {}): Promise<InboxRoom[]> {
  return (await engine.call<{ rooms: InboxRoom[] }>('listAgentRooms', { channelId: AGENTS, agent, ...extra })).rooms;
}

const join = (engine: Engine, agent: string, roomId: string) => engine.call<Binding>('joinAsAgent', { channelId: AGENTS, agent, roomId });

describe('agent inbox: unread counts are per agent', () => {
  it("counts the customer's messages for every agent until that agent reads, and never the agent's own", async () => {
    const { engine, room } = await setUp();
    await send(engine, room.room.id, { bindingId: room.b['visitor-1']!.id, text: 'my card was charged twice' });
    expect((await inbox(engine, 'ana'))[0]).toMatchObject({ id: room.room.id, unread: 1, agentBindingId: null, lastMessage: { text: 'my card was charged twice', internal: false, from: 'visitor-1' } });

    const ana = await join(engine, 'ana', room.room.id);
    expect(ana).toMatchObject({ channelType: 'agent', address: 'ana', audience: 'internal' });
    const latest = (await timeline(engine, room.room.id)).at(-1)!.index;
    await engine.call('markRead', { bindingId: ana.id, index: latest });
    await send(engine, room.room.id, { bindingId: ana.id, text: 'Looking into it' });

    expect((await inbox(engine, 'ana'))[0]).toMatchObject({ unread: 0, agentBindingId: ana.id, lastMessage: { text: 'Looking into it', from: 'ana' } });
    expect((await inbox(engine, 'ben'))[0]).toMatchObject({ unread: 2, agentBindingId: null });
  });

  it('reads the timeline as the agent binding sees it: internal notes included, blocked events left out', async () => {
    const { engine, room, received } = await setUp();
    const ana = await join(engine, 'ana', room.room.id);
    await engine.call('updateBinding', { bindingId: room.b['visitor-1']!.id, muted: true });
    await send(engine, room.room.id, { bindingId: room.b['visitor-1']!.id, text: 'muted words' });
    await engine.call('addInternalNote', { roomId: room.room.id, bindingId: ana.id, content: { type: 'text', text: 'VIP customer' } });
    const view = await engine.call<{ events: RoomEvent[] }>('getAgentRoom', { channelId: AGENTS, agent: 'ana', roomId: room.room.id });
    expect(texts(view.events)).toEqual(['VIP customer']);
    expect(view.events.find((e) => e.content.text === 'VIP customer')).toMatchObject({ visibility: 'internal', source: { bindingId: ana.id } });
    // The binding events (muted) are part of the staff view too.
    expect(view.events.some((e) => e.type === 'binding' && e.content.code === 'binding.muted')).toBe(true);
    await engine.idle();
    expect(received.web).toEqual([]);
  });
});

describe('agent inbox: internal notes', () => {
  it("never reach a customer-facing binding, while the agent's replies do", async () => {
    const { engine, room, received } = await setUp();
    const ana = await join(engine, 'ana', room.room.id);
    await engine.call('addInternalNote', { roomId: room.room.id, bindingId: ana.id, content: { type: 'text', text: 'refund approved internally' } });
    await send(engine, room.room.id, { bindingId: ana.id, text: 'Your refund is on its way' });
    await engine.idle();
    expect(received.web.map((m) => m.content.text)).toEqual(['Your refund is on its way']);
    expect(texts(await timeline(engine, room.room.id, { bindingId: room.b['visitor-1']!.id }))).toEqual(['Your refund is on its way']);
    const ben = await inbox(engine, 'ben');
    expect(ben[0]!.unread).toBe(2);
  });

  it('are refused for a customer-facing binding (nothing stored)', async () => {
    const { engine, room } = await setUp();
    await expect(engine.call('addInternalNote', { roomId: room.room.id, bindingId: room.b['visitor-1']!.id, content: { type: 'text', text: 'x' } })).rejects.toMatchObject({
      code: 'forbidden',
      field: 'bindingId',
    });
    expect(texts(await timeline(engine, room.room.id, { audit: true }))).toEqual([]);
  });
});

describe('agent inbox: assignment and filters', () => {
  it('assigns to the agent (joining them, clearing needsHuman) and unassigns; filters follow', async () => {
    const { engine, room } = await setUp();
    await engine.call('updateRoomMetadata', { roomId: room.room.id, metadata: { needsHuman: true, topic: 'billing' } });
    expect((await inbox(engine, 'ana', { filter: 'unassigned' }))[0]).toMatchObject({ needsHuman: true, assignedTo: null });

    const assigned = await engine.call<{ room: { metadata: Record<string, unknown> }; binding: Binding }>('assignRoom', { channelId: AGENTS, agent: 'ana', roomId: room.room.id, assign: true });
    expect(assigned.room.metadata).toEqual({ topic: 'billing', assignedTo: 'ana' });
    expect(assigned.binding).toMatchObject({ address: 'ana', channelType: 'agent' });
    expect((await inbox(engine, 'ana', { filter: 'mine' })).map((r) => r.id)).toEqual([room.room.id]);
    expect(await inbox(engine, 'ben', { filter: 'mine' })).toEqual([]);
    expect(await inbox(engine, 'ben', { filter: 'unassigned' })).toEqual([]);
    const events = await timeline(engine, room.room.id);
    expect(events.at(-1)).toMatchObject({ type: 'room', visibility: 'internal', content: { code: 'room.assigned', text: 'room assigned to ana' } });

    const unassigned = await engine.call<{ room: { metadata: Record<string, unknown> } }>('assignRoom', { channelId: AGENTS, agent: 'ana', roomId: room.room.id, assign: false });
    expect(unassigned.room.metadata).toEqual({ topic: 'billing' });
    expect((await inbox(engine, 'ben', { filter: 'unassigned' })).map((r) => r.id)).toEqual([room.room.id]);
  });

  it('finds rooms by a participant display name or address, and lists closed rooms apart', async () => {
    const { engine, room } = await setUp();
    const other = await engine.call<{ room: { id: string } }>('createRoom', { bindings: [{ channelId: 'sms', address: '+15550199', displayName: 'Dora Díaz' }] });
    expect((await inbox(engine, 'ana', { search: 'dora' })).map((r) => r.id)).toEqual([other.room.id]);
    expect((await inbox(engine, 'ana', { search: '0199' })).map((r) => r.id)).toEqual([other.room.id]);
    expect((await inbox(engine, 'ana', { search: 'visitor' })).map((r) => r.id)).toEqual([room.room.id]);
    await engine.call('closeRoom', { roomId: other.room.id });
    expect((await inbox(engine, 'ana', { filter: 'closed' })).map((r) => r.id)).toEqual([other.room.id]);
    expect((await inbox(engine, 'ana')).map((r) => r.id)).toEqual([room.room.id]);
  });

  it('reopens a closed room on request, which traffic alone never does', async () => {
    const { engine, room } = await setUp();
    await engine.call('closeRoom', { roomId: room.room.id });
    await expect(engine.call('resumeRoom', { roomId: room.room.id })).rejects.toMatchObject({ code: 'conflict' });
    await expect(send(engine, room.room.id, { bindingId: room.b['visitor-1']!.id })).rejects.toMatchObject({ code: 'room_closed' });
    expect(await engine.call('reopenRoom', { roomId: room.room.id })).toMatchObject({ state: 'active' });
    await send(engine, room.room.id, { bindingId: room.b['visitor-1']!.id, text: 'back again' });
    expect(texts(await timeline(engine, room.room.id))).toEqual(['back again']);
  });
});
