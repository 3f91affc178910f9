// Issue 12: errors from the model API (timeout, 401, 429, 500, malformed tool arguments, a tool
// that does not exist) become a clear error, an observation in the room and, per setting, a
// fallback text or an escalation — never a crash, a silent drop or half a reply. Each failed call
// is recorded. 429 and 5xx are retried with backoff before they count as failures.
import { afterEach, describe, expect, it } from 'vitest';
import { createModelClient, type Room } from '../../runtime/src';
import { cleanupAll, createRoom } from '../runtime/support/engine';
import { binding, closeModelServers, modelServer, openAiTestEngine, PROVIDERS, say, sideEffects, type Provider } from './support/ai-room';
import type { Scripted } from './support/model-servers';

afterEach(async () => {
  await cleanupAll();
  await closeModelServers();
});

async function setup(provider: Provider) {
  const t = await openAiTestEngine();
  const { room, b } = await createRoom(t.engine, [
    { channelId: 'sms', address: '+15550001' },
    { channelId: 'ai', address: 'helper' },
  ]);
  const models = await modelServer(provider);
  const q = await say(t.engine, room.id, b['+15550001']!.id, 'hello?');
  return { ...t, room, b, ...models, q };
}

const failures: { name: string; script: Scripted[]; code: string; client?: { apiKey?: string; timeoutMs?: number; retries?: number }; message: RegExp }[] = [
  { name: 'a timeout', script: [{ hang: true }], code: 'timeout', client: { timeoutMs: 200 }, message: /timed out/i },
  { name: 'a 401', script: [{ error: 'unauthorized' }], code: 'unauthorized', message: /HTTP 401.*(Incorrect API key|invalid x-api-key)/ },
  { name: 'a wrong key', script: [], code: 'unauthorized', client: { apiKey: 'wrong' }, message: /HTTP 401/ },
  { name: 'a 429 after its retries', script: [{ error: 'rate_limited' }, { error: 'rate_limited' }], code: 'rate_limited', client: { retries: 1 }, message: /HTTP 429/ },
  { name: 'a 500 after its retries', script: [{ error: 'server_error' }, { error: 'server_error' }], code: 'server_error', client: { retries: 1 }, message: /HTTP 500/ },
  { name: 'a tool that does not exist', script: [{ toolCalls: [{ name: 'drop_database', arguments: {} }] }], code: 'unknown_tool', message: /drop_database.*not offered/ },
];

describe.each(PROVIDERS)('§11 model errors (%s)', (provider) => {
  for (const failure of failures) {
    it(`${failure.name}: a clear error, an observation, the fallback text, and the failed call recorded`, async () => {
      const { engine, room, b, q, server, client } = await setup(provider);
      server.script(...failure.script);
      const result = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model: client(failure.client), fallbackText: 'Sorry, try again later.' });
      expect(result.status).toBe('failed');
      expect(result.error?.code).toBe(failure.code);
      expect(result.error?.message).toMatch(failure.message);
      expect(result.reply).toMatchObject({ status: 'committed', content: { text: 'Sorry, try again later.' } });
      const [observation] = await sideEffects(engine, room.id, 'observation');
      expect(observation).toMatchObject({ producedBy: 'ai', data: { category: 'ai_error' } });
      expect(String(observation!.data.content)).toContain(result.error!.message);
      const { calls } = await engine.call<{ calls: { error: { code: string } | null }[] }>('listModelCalls', { roomId: room.id });
      expect(calls.at(-1)!.error?.code).toBe(failure.code);
      expect(server.problems).toEqual([]);
    });
  }

  it('malformed tool arguments are refused before any tool runs', async () => {
    const { engine, room, b, q, server, client } = await setup(provider);
    // OpenAI sends arguments as a JSON string; Anthropic sends an object: each broken its own way.
    server.script({ toolCalls: [{ name: 'create_task', arguments: provider === 'openai' ? '{"title": "oops' : ['not', 'an', 'object'] }] });
    const result = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model: client() });
    expect(result.error?.code).toBe('malformed_tool_arguments');
    expect(result.error?.message).toContain('create_task');
    expect(await sideEffects(engine, room.id, 'task')).toEqual([]);
    expect(result.reply?.content.text).toBe('Sorry, I cannot answer right now. A colleague will get back to you.');
  });

  it('an answer with neither text nor a tool call is an error, not a silent drop', async () => {
    const { engine, b, q, server, client } = await setup(provider);
    server.script({ text: '' });
    const result = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model: client() });
    expect(result.error?.code).toBe('bad_response');
    expect(result.reply?.content.text).toBe('Sorry, I cannot answer right now. A colleague will get back to you.');
  });

  it('a 429 retried with backoff succeeds: one reply, no error', async () => {
    const { engine, b, q, server, client } = await setup(provider);
    server.script({ error: 'rate_limited' }, { error: 'server_error' }, { text: 'Here I am.' });
    const result = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model: client({ retries: 2 }) });
    expect(result).toMatchObject({ status: 'replied', reply: { content: { text: 'Here I am.' } } });
    expect(server.requests).toHaveLength(3);
  });

  it('error behaviour escalate: the hand-over text, the room flagged for a human and the AI muted', async () => {
    const { engine, room, b, q, server, client } = await setup(provider);
    server.script({ error: 'unauthorized' });
    const result = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model: client(), onError: 'escalate', handOverText: 'A person will answer you.' });
    expect(result).toMatchObject({ status: 'failed', escalated: true, reply: { status: 'committed', content: { text: 'A person will answer you.' } } });
    expect((await engine.call<{ room: Room }>('getRoom', { roomId: room.id })).room.metadata.needsHuman).toBe(true);
    expect((await binding(engine, b.helper!.id)).muted).toBe(true);
    expect(await sideEffects(engine, room.id, 'task')).toHaveLength(1);
  });
});

describe('§11 model errors beyond the API', () => {
  it('a server that cannot be reached: a connection error, the fallback text, the call recorded', async () => {
    const { engine, room, b, q } = await setup('openai');
    // A port nothing listens on: the SDK's own connection error, after no retries.
    const unreachable = createModelClient({ provider: 'openai', baseUrl: 'http://127.0.0.1:1/v1', model: 'gpt-test', apiKey: 'sk-test', timeoutMs: 2000, retries: 0 });
    const result = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model: unreachable });
    expect(result).toMatchObject({ status: 'failed', error: { code: 'connection' }, reply: { status: 'committed' } });
    const { calls } = await engine.call<{ calls: { error: { code: string } | null }[] }>('listModelCalls', { roomId: room.id });
    expect(calls.map((c) => c.error?.code)).toEqual(['connection']);
  });

  it('a reply over the content limits is the model’s failure: an observation and the fallback text, not silence', async () => {
    const { engine, room, b, q, server, client } = await setup('openai');
    server.script({ text: 'blah '.repeat(7000) });
    const result = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model: client() });
    expect(result).toMatchObject({ status: 'failed', error: { code: 'bad_response' } });
    expect(result.error!.message).toContain("the model's reply was refused: content.text");
    expect(result.reply?.content.text).toBe('Sorry, I cannot answer right now. A colleague will get back to you.');
    expect(await sideEffects(engine, room.id, 'observation')).toHaveLength(1);
  });

  it('a model that keeps calling tools is stopped at the turn’s limit of model calls', async () => {
    const { engine, b, q, server, client } = await setup('openai');
    const again = { toolCalls: [{ name: 'add_observation', arguments: { content: 'thinking' } }] };
    server.script(again, again, again);
    const result = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model: client(), maxModelCalls: 2 });
    expect(result).toMatchObject({ status: 'failed', modelCalls: 2, error: { code: 'too_many_tool_rounds' } });
    expect(result.reply?.content.text).toBe('Sorry, I cannot answer right now. A colleague will get back to you.');
    expect(server.requests).toHaveLength(2);
  });
});

describe('§11 a model configuration it cannot use', () => {
  it('is refused when the client is made, naming the setting', () => {
    const base = { provider: 'openai' as const, model: 'gpt-test' };
    expect(() => createModelClient({ ...base, model: ' ' })).toThrow('model: is required');
    expect(() => createModelClient({ ...base, provider: 'mistral' as never })).toThrow('provider: must be openai or anthropic');
    expect(() => createModelClient({ ...base, baseUrl: 'localhost:11434' })).toThrow('baseUrl: must be an http(s) URL');
    expect(() => createModelClient({ ...base, retries: -1 })).toThrow('retries: must be a whole number from 0 to 10');
    expect(() => createModelClient({ ...base, timeoutMs: 0 })).toThrow('timeoutMs: must be a whole number');
    expect(() => createModelClient({ ...base, maxOutputTokens: 1.5 })).toThrow('maxOutputTokens: must be a whole number');
    expect(createModelClient({ ...base, baseUrl: 'http://localhost:11434/v1', retries: 0, timeoutMs: 1000, maxOutputTokens: 10 }).model).toBe('gpt-test');
  });
});

describe('§11 no model configured', () => {
  it('the room gets a polite hand-over to a human instead of silence', async () => {
    const { engine, room, b, q } = await setup('openai');
    const result = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model: null });
    expect(result).toMatchObject({ status: 'failed', escalated: true, error: { code: 'no_model' } });
    expect(result.reply?.content.text).toBe('Thank you for your message. A member of our team will reply to you shortly.');
    expect((await engine.call<{ room: Room }>('getRoom', { roomId: room.id })).room.metadata.needsHuman).toBe(true);
  });

  it('a customer writing on after the hand-over is not handed over again: one task, the text stored blocked', async () => {
    const { engine, room, b, q } = await setup('openai');
    const handOverTo = { channelId: 'agent', agents: ['alice', 'bob'] };
    const first = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model: null, handOverTo });
    expect(first).toMatchObject({ escalated: true, handOver: { assignedTo: 'alice' } });
    expect((await binding(engine, b.helper!.id)).muted).toBe(true);
    // Bob is now the less loaded: a second hand-over would move the room to him.
    const other = await engine.call<{ room: Room }>('createRoom', { bindings: [{ channelId: 'sms', address: '+15550002' }] });
    await engine.call('assignRoom', { channelId: 'agent', agent: 'alice', roomId: other.room.id, assign: true });

    const again = await say(engine, room.id, b['+15550001']!.id, 'hello??');
    const second = await engine.replyWithAi({ bindingId: b.helper!.id, eventId: again.id, model: null, handOverTo });
    expect(second).toMatchObject({ status: 'failed', escalated: false, handOver: null, reply: { status: 'blocked', blockedBy: 'muted' } });
    expect(await sideEffects(engine, room.id, 'task')).toHaveLength(1);
    expect((await engine.call<{ room: Room }>('getRoom', { roomId: room.id })).room.metadata.assignedTo).toBe('alice');
  });
});
