// DESIGN.md section 11 / issue 12: an AI binding's context is the room history as that binding
// may see it, each turn attributed to its speaker, cut to a budget. Checked on what the model
// server actually received.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, createRoom } from '../runtime/support/engine';
import { closeModelServers, modelServer, openAiTestEngine, say } from './support/ai-room';
import { seenText } from './support/model-servers';

afterEach(async () => {
  await cleanupAll();
  await closeModelServers();
});

async function room(aiAudience: 'external' | 'internal') {
  const t = await openAiTestEngine();
  const { room, b } = await createRoom(t.engine, [
    { channelId: 'sms', address: '+15550001' },
    { channelId: 'agent', address: 'alice' },
    { channelId: 'agent', address: 'notes', visibility: 'internal' },
    { channelId: 'ai', address: 'helper', audience: aiAudience },
    { channelId: 'ai', address: 'other-ai' },
  ]);
  const { server, client } = await modelServer('openai');
  return { ...t, room, b, server, model: client() };
}

describe('§11 context: the history as the AI binding may see it', () => {
  it('an internal note is absent from a customer-facing AI and present for an internal advisor AI', async () => {
    for (const audience of ['external', 'internal'] as const) {
      const { engine, room: r, b, server, model } = await room(audience);
      await say(engine, r.id, b.notes!.id, 'INTERNAL: customer owes us money');
      const question = await say(engine, r.id, b['+15550001']!.id, 'where is my parcel?');
      const result = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: question.id, model });
      expect(result.status).toBe('replied');
      const { messages } = seenText(server.requests[0]!);
      expect(messages).toContain('where is my parcel?');
      if (audience === 'external') expect(messages).not.toContain('INTERNAL');
      // The advisor sees it marked as a line the customer never saw, so its reply does not repeat it.
      else expect(messages).toContain('[not seen by the customer] notes (agent, agent): INTERNAL: customer owes us money');
      expect(messages).not.toContain('[not seen by the customer] +15550001');
      expect(server.problems).toEqual([]);
    }
  });

  it('a whisper to one binding is visible only to it; blocked events never appear', async () => {
    const { engine, room: r, b, server, model } = await room('internal');
    const attach = async (address: string, to: string) =>
      (await engine.call<{ binding: { id: string } }>('attachBinding', { roomId: r.id, channelId: 'agent', address, visibility: [to] })).binding;
    const whisperer = await attach('coach', b.helper!.id);
    const otherWhisperer = await attach('coach-2', b['other-ai']!.id);
    await say(engine, r.id, whisperer.id, 'psst helper: offer the discount');
    await say(engine, r.id, otherWhisperer.id, 'psst other: never offer discounts');
    await engine.call('updateBinding', { bindingId: b.alice!.id, muted: true });
    const blocked = await say(engine, r.id, b.alice!.id, 'BLOCKED words of a muted agent');
    expect(blocked.status).toBe('blocked');
    const question = await say(engine, r.id, b['+15550001']!.id, 'any deals?');
    await engine.replyWithAi({ bindingId: b.helper!.id, eventId: question.id, model });
    await engine.replyWithAi({ bindingId: b['other-ai']!.id, eventId: question.id, model });
    const helperSaw = seenText(server.requests[0]!).messages;
    const otherSaw = seenText(server.requests[1]!).messages;
    expect(helperSaw).toContain('offer the discount');
    expect(helperSaw).not.toContain('never offer discounts');
    expect(otherSaw).toContain('never offer discounts');
    expect(otherSaw).not.toContain('offer the discount');
    expect(helperSaw + otherSaw).not.toContain('BLOCKED');
  });

  it('each turn names its speaker: display name, role and channel; the AI’s own words are assistant turns', async () => {
    const t = await openAiTestEngine();
    const created = await t.engine.call<{ room: { id: string }; bindings: { id: string; address: string }[] }>('createRoom', {
      bindings: [
        { channelId: 'sms', address: '+15550001', displayName: 'Carol Customer' },
        { channelId: 'agent', address: 'alice', displayName: 'Alice Agent' },
        { channelId: 'ai', address: 'helper' },
      ],
    });
    const id = (address: string) => created.bindings.find((x) => x.address === address)!.id;
    const { server, client } = await modelServer('openai');
    await say(t.engine, created.room.id, id('+15550001'), 'hello');
    await say(t.engine, created.room.id, id('helper'), 'Hi Carol, how can I help?');
    await say(t.engine, created.room.id, undefined, 'Alice joined');
    const last = await say(t.engine, created.room.id, id('alice'), 'I am here too');
    await t.engine.replyWithAi({ bindingId: id('helper'), eventId: last.id, model: client(), askedByFlow: true });
    const body = server.requests[0]!.body;
    const roles = body.messages.map((m: { role: string }) => m.role);
    expect(roles).toEqual(['system', 'user', 'assistant', 'user']);
    expect(body.messages[1].content).toBe('Carol Customer (customer, sms): hello');
    expect(body.messages[2].content).toBe('Hi Carol, how can I help?');
    expect(body.messages[3].content).toBe('system (system): Alice joined\nAlice Agent (agent, agent): I am here too');
  });

  it('the budget keeps the newest events and the first customer message, by events and by tokens', async () => {
    const { engine, room: r, b, server, model } = await room('internal');
    const customer = b['+15550001']!.id;
    await say(engine, r.id, customer, 'FIRST: my order 42 never arrived');
    for (let i = 1; i <= 10; i++) await say(engine, r.id, i % 2 ? b.alice!.id : customer, `message ${i}`);
    const last = await say(engine, r.id, customer, 'NEWEST');
    await engine.replyWithAi({ bindingId: b.helper!.id, eventId: last.id, model, budget: { maxEvents: 4 } });
    let seen = seenText(server.requests[0]!).messages;
    expect(seen).toContain('FIRST: my order 42 never arrived');
    expect(seen).toContain('NEWEST');
    expect(seen).toContain('message 10');
    expect(seen).toContain('message 9');
    expect(seen).not.toContain('message 8');
    expect(seen).toContain('earlier messages left out');

    // A token budget of ~25 tokens keeps fewer events than the event budget allows.
    await engine.replyWithAi({ bindingId: b.helper!.id, eventId: last.id, model, budget: { maxEvents: 50, maxTokens: 25 } });
    seen = seenText(server.requests[1]!).messages;
    expect(seen).toContain('NEWEST');
    expect(seen).toContain('FIRST');
    expect(seen).not.toContain('message 5');
    // Without a cut, everything is there.
    await engine.replyWithAi({ bindingId: b.helper!.id, eventId: last.id, model });
    expect(seenText(server.requests[2]!).messages).toContain('message 5');
  });

  it('exposes only the room and customer metadata keys the node chose, with the system prompt', async () => {
    const { engine, room: r, b, server, model } = await room('internal');
    await engine.call('updateRoomMetadata', { roomId: r.id, metadata: { orderId: 'A-42', secretScore: 3 } });
    await engine.call('updateBinding', { bindingId: b['+15550001']!.id, metadata: { plan: 'gold', internalRisk: 'high' } });
    const q = await say(engine, r.id, b['+15550001']!.id, 'hi');
    await engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model, systemPrompt: 'You are Parcelbot of ACME.', exposeMetadata: { room: ['orderId'], binding: ['plan'] } });
    const { system } = seenText(server.requests[0]!);
    expect(system).toContain('You are Parcelbot of ACME.');
    expect(system).toContain('"orderId":"A-42"');
    expect(system).toContain('"plan":"gold"');
    expect(system).not.toContain('secretScore');
    expect(system).not.toContain('internalRisk');
  });
});
