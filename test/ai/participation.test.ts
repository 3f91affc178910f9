// Issue 12: an AI binding is an ordinary binding. Muted, it still reads and still produces side
// effects while its replies are stored blocked (`muted`); read-only, it calls the model only when
// configured for side effects; its reply policy decides when it is solicited; two AIs answering
// each other stop at the engine's chain depth.
import { afterEach, describe, expect, it } from 'vitest';
import type { RoomEvent } from '../../runtime/src';
import { cleanupAll, createRoom } from '../runtime/support/engine';
import { closeModelServers, modelServer, openAiTestEngine, say, sideEffects } from './support/ai-room';

afterEach(async () => {
  await cleanupAll();
  await closeModelServers();
});

async function setup(ai: Record<string, unknown> = {}, engineOptions: Record<string, unknown> = {}) {
  const t = await openAiTestEngine(engineOptions);
  const { room, b } = await createRoom(t.engine, [
    { channelId: 'sms', address: '+15550001' },
    { channelId: 'agent', address: 'alice' },
    { channelId: 'ai', address: 'helper', ...ai },
  ]);
  const { server, client } = await modelServer('openai');
  return { ...t, room, b, server, model: client() };
}

describe('§11 muted and read-only AI', () => {
  it('a muted AI still reads and raises tasks; its reply is stored blocked (muted) and reaches nobody', async () => {
    const { engine, room, b, server, model, sms } = await setup({ muted: true });
    server.script({ toolCalls: [{ name: 'create_task', arguments: { title: 'Call the customer back' } }] }, { text: 'muted words' });
    const q = await say(engine, room.id, b['+15550001']!.id, 'call me');
    const result = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model });
    expect(result.reply).toMatchObject({ status: 'blocked', blockedBy: 'muted' });
    expect(await sideEffects(engine, room.id, 'task')).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
    await engine.idle();
    expect(sms.requests.some((r) => r.body.toString().includes('muted words'))).toBe(false);
    // The same AI unmuted is heard.
    await engine.call('updateBinding', { bindingId: b.helper!.id, muted: false });
    server.script({ text: 'heard words' });
    const heard = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model });
    expect(heard.reply?.status).toBe('committed');
  });

  it('a read-only AI does not call the model unless configured for side effects; then its tools run', async () => {
    const { engine, room, b, server, model } = await setup({ access: 'read_only' });
    const q = await say(engine, room.id, b['+15550001']!.id, 'hello');
    const skipped = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model });
    expect(skipped).toMatchObject({ status: 'skipped', reason: 'the AI binding is read-only', modelCalls: 0 });
    expect(server.requests).toHaveLength(0);

    server.script({ toolCalls: [{ name: 'add_observation', arguments: { content: 'asks for hello' } }] }, { text: '' });
    const observing = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model, sideEffectsWhenReadOnly: true });
    expect(observing.status).toBe('replied');
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]!.body.messages[0].content).toContain('You may not send messages in this room');
    expect(await sideEffects(engine, room.id, 'observation')).toHaveLength(1);
  });
});

describe('§11 reply policy: solicited is separate from seeing', () => {
  it('every_customer_message answers customers, not agents; addressed answers @mentions; flow answers when asked', async () => {
    const { engine, room, b, server, model } = await setup();
    const customer = b['+15550001']!.id;
    const fromCustomer = await say(engine, room.id, customer, 'hello');
    const fromAgent = await say(engine, room.id, b.alice!.id, 'I am on it');
    const reply = (eventId: string, extra: Record<string, unknown> = {}) => engine.replyWithAi({ bindingId: b.helper!.id, eventId, model, ...extra });

    expect((await reply(fromCustomer.id)).status).toBe('replied');
    expect(await reply(fromAgent.id)).toMatchObject({ status: 'skipped', reason: 'not a customer message' });

    expect(await reply(fromCustomer.id, { policy: 'addressed' })).toMatchObject({ status: 'skipped', reason: 'not addressed to it' });
    const mention = await say(engine, room.id, b.alice!.id, '@helper can you check the order?');
    expect((await reply(mention.id, { policy: 'addressed' })).status).toBe('replied');

    expect((await reply(fromAgent.id, { policy: 'flow' })).status).toBe('replied');
    expect((await reply(fromAgent.id, { askedByFlow: true })).status).toBe('replied');
    // Per room: the AI binding's metadata wins over the node's setting.
    await engine.call('updateBinding', { bindingId: b.helper!.id, metadata: { replyPolicy: 'addressed' } });
    expect(await reply(fromCustomer.id)).toMatchObject({ status: 'skipped', reason: 'not addressed to it' });
    expect(server.requests).toHaveLength(4);
  });

  it('never answers its own events or events it may not see', async () => {
    const { engine, room, b, model } = await setup({ visibility: 'all', audience: 'external' });
    const note = await engine.call<{ binding: { id: string } }>('attachBinding', { roomId: room.id, channelId: 'agent', address: 'notes', visibility: 'internal' });
    const internal = await say(engine, room.id, note.binding.id, 'internal note');
    expect(await engine.replyWithAi({ bindingId: b.helper!.id, eventId: internal.id, model, policy: 'flow' })).toMatchObject({ status: 'skipped', reason: 'an event it may not see' });
    const own = await say(engine, room.id, b.helper!.id, 'my own words');
    expect(await engine.replyWithAi({ bindingId: b.helper!.id, eventId: own.id, model, policy: 'flow' })).toMatchObject({ status: 'skipped', reason: 'its own event' });
  });
});

describe('§3 step 7 chain depth with two AIs in one room', () => {
  it('two AIs answering each other stop at the maximum chain depth: the deeper reply is stored blocked', async () => {
    const t = await openAiTestEngine({ maxChainDepth: 3 });
    const { room, b } = await createRoom(t.engine, [
      { channelId: 'sms', address: '+15550001' },
      { channelId: 'ai', address: 'alpha' },
      { channelId: 'ai', address: 'beta' },
    ]);
    const { client } = await modelServer('openai');
    const model = client();
    let trigger: RoomEvent = await say(t.engine, room.id, b['+15550001']!.id, 'start');
    const replies: RoomEvent[] = [];
    for (let turn = 0; turn < 6; turn++) {
      const speaker = turn % 2 === 0 ? b.alpha! : b.beta!;
      const result = await t.engine.replyWithAi({ bindingId: speaker.id, eventId: trigger.id, model, policy: 'flow' });
      if (!result.reply) break;
      replies.push(result.reply);
      if (result.reply.status !== 'committed') break;
      trigger = result.reply;
    }
    expect(replies.map((r) => [r.chainDepth, r.status])).toEqual([
      [1, 'committed'],
      [2, 'committed'],
      [3, 'committed'],
      [4, 'blocked'],
    ]);
    expect(replies[3]!.blockedBy).toBe('chain_depth');
  });
});
