// Issue 12: tools that produce side effects, run through the operations table as the AI binding,
// on both model APIs (tool_calls / role tool; tool_use / tool_result); flow-defined tools whose
// answer (or timeout) goes back to the model; escalation end to end.
import { afterEach, describe, expect, it } from 'vitest';
import type { Binding, Engine, Room, RoomEvent } from '../../runtime/src';
import { cleanupAll, createRoom, until } from '../runtime/support/engine';
import { binding, closeModelServers, modelServer, openAiTestEngine, PROVIDERS, say, sideEffects, type Provider } from './support/ai-room';

afterEach(async () => {
  await cleanupAll();
  await closeModelServers();
});

async function setup(provider: Provider, customerChannel: 'sms' | 'web' = 'sms') {
  const t = await openAiTestEngine();
  const customer = customerChannel === 'sms' ? '+15550001' : 'visitor-1';
  const { room, b } = await createRoom(t.engine, [
    { channelId: customerChannel, address: customer },
    { channelId: 'agent', address: 'alice' },
    { channelId: 'ai', address: 'helper' },
  ]);
  const { server, client } = await modelServer(provider);
  const question = await say(t.engine, room.id, b[customer]!.id, 'my parcel is late');
  const ask = (extra: Record<string, unknown> = {}) => t.engine.replyWithAi({ bindingId: b.helper!.id, eventId: question.id, model: client(), ...extra });
  return { ...t, room, b, server, customer: b[customer]!, ask, question, model: client };
}

describe.each(PROVIDERS)('§11 tools with side effects (%s)', (provider) => {
  it('create_task and add_observation are stored as the AI’s side effects and the model reads their results', async () => {
    const { engine, room, server, ask, question } = await setup(provider);
    server.script(
      { toolCalls: [{ name: 'create_task', arguments: { title: 'Check parcel 42', description: 'late delivery' } }, { name: 'add_observation', arguments: { content: 'customer is annoyed', category: 'sentiment', confidence: 0.8 } }] },
      { text: 'I have asked the team to check your parcel.' },
    );
    const result = await ask();
    expect(result.status).toBe('replied');
    expect(result.reply?.content.text).toBe('I have asked the team to check your parcel.');
    const [task] = await sideEffects(engine, room.id, 'task');
    expect(task).toMatchObject({ producedBy: 'ai', eventId: question.id, data: { title: 'Check parcel 42', description: 'late delivery', status: 'open' } });
    const [observation] = await sideEffects(engine, room.id, 'observation');
    expect(observation).toMatchObject({ producedBy: 'ai', data: { content: 'customer is annoyed', category: 'sentiment', confidence: 0.8 } });
    expect(result.tools.map((t) => [t.name, t.ok])).toEqual([['create_task', true], ['add_observation', true]]);
    // The second request carries both results, tied to their calls (the servers check the ids).
    expect(JSON.stringify(server.requests[1]!.body.messages)).toContain(task!.id);
    expect(server.problems).toEqual([]);
    const calls = await engine.call<{ calls: { toolCalls: string[]; inputTokens: number; outputTokens: number; model: string }[]; totals: { calls: number } }>('listModelCalls', { roomId: room.id });
    expect(calls.totals.calls).toBe(2);
    expect(calls.calls[0]!.toolCalls).toEqual(['create_task', 'add_observation']);
    expect(calls.calls[0]!.inputTokens).toBeGreaterThan(0);
    expect(calls.calls[1]!.outputTokens).toBeGreaterThan(0);
    expect(calls.calls[0]!.model).toBe(provider === 'openai' ? 'gpt-test' : 'claude-test');
  });

  it('escalate end to end: room flagged, task with the summary, AI muted after its hand-over; the agent’s reply reaches the customer', async () => {
    const { engine, room, b, server, ask, sms, customer } = await setup(provider);
    server.script(
      { toolCalls: [{ name: 'escalate', arguments: { summary: 'Parcel 42 is late; customer wants a refund', reason: 'refund request' } }] },
      { text: 'A colleague will take over shortly.' },
    );
    const result = await ask();
    expect(result.escalated).toBe(true);
    expect(result.reply).toMatchObject({ status: 'committed', content: { text: 'A colleague will take over shortly.' } });
    expect((await engine.call<{ room: Room }>('getRoom', { roomId: room.id })).room.metadata.needsHuman).toBe(true);
    const [task] = await sideEffects(engine, room.id, 'task');
    expect(task!.data).toMatchObject({ title: 'Hand-over to a human: refund request', description: 'Parcel 42 is late; customer wants a refund' });
    expect((await binding(engine, b.helper!.id)).muted).toBe(true);

    const agentReply = await say(engine, room.id, b.alice!.id, 'Hi, Alice here: refund done.');
    expect(agentReply.status).toBe('committed');
    await until(() => sms.requests.some((r) => r.body.toString().includes('refund done')), 'the agent reply to reach the customer');
    expect(sms.requests.some((r) => r.body.toString().includes('A colleague will take over shortly.'))).toBe(true);
    expect(customer.channelId).toBe('sms');
  });
});

describe('§11 tools with side effects', () => {
  it('set_room_metadata merges keys into the room and shows the model only the keys it wrote', async () => {
    const { engine, room, server, ask } = await setup('openai');
    await engine.call('updateRoomMetadata', { roomId: room.id, metadata: { internalRisk: 'fraud suspected' } });
    server.script({ toolCalls: [{ name: 'set_room_metadata', arguments: { metadata: { orderId: '42' } } }] }, { text: 'Noted.' });
    const result = await ask({ exposeMetadata: { room: ['orderId'] } });
    expect((await engine.call<{ room: Room }>('getRoom', { roomId: room.id })).room.metadata).toEqual({ internalRisk: 'fraud suspected', orderId: '42' });
    expect(result.tools[0]).toMatchObject({ ok: true, result: { stored: ['orderId'] } });
    expect(JSON.stringify(server.requests.map((r) => r.body))).not.toContain('fraud suspected');
  });

  it('set_room_metadata may not set the keys the engine keeps (assignment, hand-over, routing)', async () => {
    const { engine, room, server, ask } = await setup('openai');
    server.script(
      { toolCalls: [{ name: 'set_room_metadata', arguments: { metadata: { assignedTo: 'ghost', orderId: '42' } } }] },
      { toolCalls: [{ name: 'set_room_metadata', arguments: { metadata: { routing: 'identity' } } }] },
      { text: 'Noted.' },
    );
    const result = await ask();
    expect(result.tools.map((t) => t.ok)).toEqual([false, false]);
    expect(JSON.stringify(result.tools[0]!.result)).toContain('assignedTo');
    expect((await engine.call<{ room: Room }>('getRoom', { roomId: room.id })).room.metadata).toEqual({});
  });

  it('create_task and add_observation write only into the AI’s own room, whatever room the model names', async () => {
    const { engine, room, server, ask, question } = await setup('openai');
    const other = await createRoom(engine, [
      { channelId: 'web', address: 'visitor-9' },
      { channelId: 'agent', address: 'bob' },
    ]);
    server.script(
      {
        toolCalls: [
          { name: 'create_task', arguments: { title: 'planted', roomId: other.room.id, bindingId: other.b.bob!.id } },
          { name: 'add_observation', arguments: { content: 'planted', roomId: other.room.id, eventId: 'evt-elsewhere' } },
        ],
      },
      { text: 'ok' },
    );
    await ask();
    expect(await sideEffects(engine, other.room.id)).toEqual([]);
    expect((await sideEffects(engine, room.id)).map((e) => [e.kind, e.eventId, e.producedBy])).toEqual([
      ['task', question.id, 'ai'],
      ['observation', question.id, 'ai'],
    ]);
  });

  it('send_rich writes a rich message as the AI (web chat); bad buttons come back to the model as a tool error', async () => {
    const { engine, room, server, ask, received } = await setup('openai', 'web');
    server.script(
      { toolCalls: [{ name: 'send_rich', arguments: { text: 'Pick one', buttons: [] } }] },
      { toolCalls: [{ name: 'send_rich', arguments: { text: 'Pick one', buttons: [{ title: 'Track' }, { title: 'Refund' }] } }] },
      { text: '' },
    );
    const result = await ask();
    expect(result.tools.map((t) => t.ok)).toEqual([false, true]);
    expect(JSON.stringify(result.tools[0]!.result)).toContain('buttons');
    expect(result.written).toHaveLength(1);
    expect(result.written[0]!.content).toMatchObject({ type: 'rich', text: 'Pick one', buttons: [{ title: 'Track' }, { title: 'Refund' }] });
    await until(() => received.web.some((m) => m.event.content.type === 'rich'), 'the web visitor to receive the buttons');
    const events = (await engine.call<{ events: RoomEvent[] }>('getTimeline', { roomId: room.id })).events;
    expect(events.filter((e) => e.type === 'message')).toHaveLength(2);
  });

  it('a flow tool leaves with an id and its answer goes back to the model; an unanswered one times out as a tool error', async () => {
    const { server, ask } = await setup('openai');
    const lookup = { name: 'lookup_order', description: 'Find an order', parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] } };
    const asked: unknown[] = [];
    server.script({ toolCalls: [{ name: 'lookup_order', arguments: { orderId: '42' } }] }, { text: 'Your order ships tomorrow.' });
    const answered = await ask({
      flowTools: [lookup],
      runFlowTool: async (call: { id: string; arguments: unknown }) => {
        asked.push(call);
        return { status: 'ships tomorrow' };
      },
    });
    // The flow's call has an id of its own: a model's ids are unique within one of its answers only
    // (another room's model may call its first tool `call_1_0` too), and the answer must find this call.
    expect(asked).toEqual([expect.objectContaining({ id: expect.stringMatching(/^tc_/), name: 'lookup_order', arguments: { orderId: '42' } })]);
    expect(answered.tools[0]).toMatchObject({ callId: 'call_1_0', by: 'flow', ok: true, result: { status: 'ships tomorrow' } });
    expect(JSON.stringify(server.requests[1]!.body.messages)).toContain('ships tomorrow');
    expect(server.requests[0]!.body.tools.map((t: { function: { name: string } }) => t.function.name)).toContain('lookup_order');

    server.script({ toolCalls: [{ name: 'lookup_order', arguments: { orderId: '42' } }] }, { text: 'I could not look that up.' });
    const timedOut = await ask({
      flowTools: [{ ...lookup, timeoutMs: 50 }],
      runFlowTool: (call: { id: string }) => {
        asked.push(call);
        return new Promise(() => undefined);
      },
    });
    expect(new Set(asked.map((call) => (call as { id: string }).id)).size).toBe(2);
    expect(timedOut.tools[0]).toMatchObject({ ok: false, result: { error: 'the flow did not answer tool lookup_order within 50 ms' } });
    expect(timedOut.reply?.content.text).toBe('I could not look that up.');
  });
});

describe('§11 escalate assigns the room when agents are configured, flags it otherwise', () => {
  const escalation = { toolCalls: [{ name: 'escalate', arguments: { summary: 'Wants a refund', reason: 'refund' } }] };
  const room = (engine: Engine, roomId: string) => engine.call<{ room: Room; bindings: Binding[] }>('getRoom', { roomId });

  it('one agent: the room is assigned to them (they join it), the task names them, the AI is muted', async () => {
    const { engine, room: r, b, server, ask } = await setup('openai');
    server.script(escalation, { text: 'Alice will take over.' });
    const result = await ask({ handOverTo: { channelId: 'agent', agents: ['bob'] } });
    expect(result).toMatchObject({ escalated: true, handOver: { assignedTo: 'bob' } });
    const { room: after, bindings } = await room(engine, r.id);
    expect(after.metadata.assignedTo).toBe('bob');
    expect(after.metadata.needsHuman).toBeUndefined();
    expect(bindings.find((x) => x.channelId === 'agent' && x.address === 'bob')).toMatchObject({ audience: 'internal', state: 'joined' });
    const [task] = await sideEffects(engine, r.id, 'task');
    expect(task!.data).toMatchObject({ assignee: 'bob', description: 'Wants a refund' });
    expect((await binding(engine, b.helper!.id)).muted).toBe(true);
    expect(JSON.parse(JSON.stringify(server.requests[1]!.body.messages)).at(-1).content).toContain('"assignedTo":"bob"');
  });

  it('several agents: the one with the fewest open rooms assigned gets it, the first on a tie', async () => {
    const { engine, room: r, server, ask } = await setup('openai');
    // Alice already has an open room; bob has none.
    const other = await engine.call<{ room: Room }>('createRoom', { bindings: [{ channelId: 'sms', address: '+15550077' }] });
    await engine.call('assignRoom', { channelId: 'agent', agent: 'alice', roomId: other.room.id, assign: true });
    server.script(escalation, { text: 'A colleague will take over.' });
    expect((await ask({ handOverTo: { channelId: 'agent', agents: ['alice', 'bob'] } })).handOver).toEqual({ assignedTo: 'bob' });
    expect((await room(engine, r.id)).room.metadata.assignedTo).toBe('bob');

    // Now one each: a tie, which goes to the first listed.
    const third = await setup('openai');
    const shared = third.engine;
    for (const [agent, roomId] of [['alice', (await shared.call<{ room: Room }>('createRoom', { bindings: [{ channelId: 'sms', address: '+15550078' }] })).room.id], ['bob', (await shared.call<{ room: Room }>('createRoom', { bindings: [{ channelId: 'sms', address: '+15550079' }] })).room.id]] as const) {
      await shared.call('assignRoom', { channelId: 'agent', agent, roomId, assign: true });
    }
    third.server.script(escalation, { text: 'A colleague will take over.' });
    expect((await third.ask({ handOverTo: { channelId: 'agent', agents: ['alice', 'bob'] } })).handOver).toEqual({ assignedTo: 'alice' });
  });

  it('rooms escalated at the same moment go to different agents: each pick counts the assignment made before it', async () => {
    const { engine, server, ask, model } = await setup('openai');
    const { room: second, b } = await createRoom(engine, [
      { channelId: 'sms', address: '+15550002' },
      { channelId: 'agent', address: 'alice' },
      { channelId: 'ai', address: 'helper' },
    ]);
    const question = await say(engine, second.id, b['+15550002']!.id, 'my parcel is lost');
    // Each conversation asks twice (the tool call, then the answer to its result), in whatever order they arrive.
    const reply = (request: { body: { messages: { role: string }[] } }) =>
      request.body.messages.some((message) => message.role === 'tool') ? { text: 'A colleague will take over.' } : escalation;
    server.script(reply, reply, reply, reply);
    const handOverTo = { channelId: 'agent', agents: ['alice', 'bob'] };
    const results = await Promise.all([ask({ handOverTo }), engine.replyWithAi({ bindingId: b.helper!.id, eventId: question.id, model: model(), handOverTo })]);
    expect(results.map((result) => result.handOver)).toEqual(expect.arrayContaining([{ assignedTo: 'alice' }, { assignedTo: 'bob' }]));
  });

  it('a room an agent already has stays with them', async () => {
    const { engine, room: r, server, ask } = await setup('openai');
    await engine.call('assignRoom', { channelId: 'agent', agent: 'alice', roomId: r.id, assign: true });
    server.script(escalation, { text: 'Alice will be with you.' });
    expect((await ask({ handOverTo: { channelId: 'agent', agents: ['bob'] } })).handOver).toEqual({ assignedTo: 'alice' });
    const { room: after, bindings } = await room(engine, r.id);
    expect(after.metadata.assignedTo).toBe('alice');
    expect(bindings.some((x) => x.address === 'bob')).toBe(false);
  });

  it('an assignment that fails (the agent channel is not deployed) flags the room needsHuman instead', async () => {
    const { engine, room: r, server, ask } = await setup('openai');
    server.script(escalation, { text: 'A colleague will take over.' });
    const result = await ask({ handOverTo: { channelId: 'no-such-channel', agents: ['bob'] } });
    expect(result.handOver).toMatchObject({ flagged: true, assignError: expect.stringContaining('no-such-channel') });
    const after = (await room(engine, r.id)).room;
    expect(after.metadata).toMatchObject({ needsHuman: true });
    expect(after.metadata.assignedTo).toBeUndefined();
    const [task] = await sideEffects(engine, r.id, 'task');
    expect(task!.data.assignee).toBeUndefined();
  });
});
