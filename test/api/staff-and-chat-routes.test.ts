// The inbox, web chat and AI operations over REST (docs/decisions.md "REST routes of the inbox, web
// chat and AI operations"): every answer matches the output schema its operation declares, a read
// token reads but never mints a chat token, and a chat token travels in a body, never in a URL.
import { afterEach, describe, expect, it } from 'vitest';
import { FlowProvider, WebchatProvider, createAgentInboxProvider } from '../../runtime/src';
import { cleanupAll } from '../runtime/support/engine';
import { closeModelServers, modelServer } from '../ai/support/ai-room';
import { READ, WRITE, startApiServer, type ApiServer } from './support';

let server: ApiServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  await closeModelServers();
  await cleanupAll();
});

/** The API server with an `agents` inbox channel, a `chat` web chat channel and an `ai` channel, and a room with a visitor on chat and an AI. */
async function setUp() {
  server = await startApiServer();
  const { engine } = server.test;
  await engine.registerChannel({ id: 'agents', type: 'agent', provider: createAgentInboxProvider(), profile: 'webhook', info: { audience: 'internal' } });
  await engine.registerChannel({ id: 'chat', type: 'webchat', provider: new WebchatProvider(() => engine.chatHub, 'chat') });
  await engine.registerChannel({ id: 'ai', type: 'ai', provider: new FlowProvider() });
  const created = await server.rest('POST', '/rooms', { body: { id: 'r1', bindings: [{ channelId: 'chat', address: 'visitor' }, { channelId: 'ai', address: 'helper' }] } });
  expect(created.status).toBe(200);
  const bindingOf = (channelId: string) => (created.body.bindings as { id: string; channelId: string }[]).find((b) => b.channelId === channelId)!.id;
  return { api: server, engine, visitor: bindingOf('chat'), ai: bindingOf('ai') };
}

describe('inbox, web chat and AI routes', () => {
  it('answer every call with what the operation declares as its output schema', async () => {
    const { api, engine, visitor, ai } = await setUp();
    const ok = async (method: string, path: string, body?: unknown) => {
      const answer = await api.rest(method, path, body === undefined ? {} : { body });
      expect([method, path, answer.status, answer.body?.error]).toEqual([method, path, 200, undefined]);
      return answer.body;
    };

    // The visitor, through the web chat operations.
    const issued = await ok('POST', `/bindings/${visitor}/chat-tokens`, { ttlSeconds: 600 });
    expect(await ok('POST', '/chat-tokens/redeem', { token: issued.token })).toEqual({ bindingId: visitor, roomId: 'r1', channelId: 'chat', expiresAt: issued.expiresAt });
    expect(await ok('PUT', `/bindings/${visitor}/typing`, { typing: true })).toEqual({ roomId: 'r1', bindingId: visitor, typing: true, told: true });
    await ok('POST', `/bindings/${visitor}/chat-messages`, { content: { type: 'text', text: 'my card was charged twice' } });
    const offer = await ok('POST', '/rooms/r1/events', { content: { type: 'rich', text: 'Pick one', buttons: [{ title: 'Talk to us', postback: 'HUMAN' }] } });
    const reply = await ok('POST', `/bindings/${visitor}/chat-replies`, { eventId: offer.event.id, postback: 'HUMAN' });
    expect(reply.event).toMatchObject({ content: { text: 'Talk to us' }, reply: { postback: 'HUMAN' } });

    // An agent, through the inbox operations.
    expect((await ok('GET', '/agents/ana/rooms?channelId=agents')).rooms).toMatchObject([{ id: 'r1', unread: 3, agentBindingId: null }]);
    const ana = await ok('POST', '/rooms/r1/agents', { channelId: 'agents', agent: 'ana' });
    expect(await ok('PUT', '/rooms/r1/assignment', { channelId: 'agents', agent: 'ana', assign: true })).toMatchObject({ room: { metadata: { assignedTo: 'ana' } }, binding: { id: ana.id } });
    await ok('POST', '/rooms/r1/notes', { bindingId: ana.id, content: { type: 'text', text: 'refund approved' } });
    const seen = await ok('GET', '/agents/ana/rooms/r1?channelId=agents&limit=50');
    expect(seen.room).toMatchObject({ assignedTo: 'ana', lastMessage: { text: 'refund approved', internal: true, from: 'ana' } });
    expect(await ok('PUT', '/rooms/r1/assignment', { channelId: 'agents', agent: 'ana', assign: false })).not.toHaveProperty('binding');

    // The AI: an observation, and the record of one answered and one failed model call.
    await ok('POST', '/rooms/r1/observations', { content: 'customer is frustrated', category: 'sentiment', confidence: 0.8, bindingId: ai });
    const models = await modelServer('openai');
    models.server.script({ text: 'Sorry about that!' }, { error: 'server_error' });
    await engine.replyWithAi({ bindingId: ai, eventId: reply.event.id, model: models.client() });
    await engine.replyWithAi({ bindingId: ai, eventId: reply.event.id, model: models.client(), fallbackText: 'One moment.' });
    const calls = await ok('GET', '/rooms/r1/model-calls');
    expect(calls.totals).toMatchObject({ calls: 2, failed: 1 });
    expect(calls.calls.map((c: { error: unknown }) => c.error === null)).toEqual([true, false]);

    await ok('POST', '/rooms/r1/close');
    expect(await ok('POST', '/rooms/r1/reopen')).toMatchObject({ id: 'r1', state: 'active' });
    expect(api.outputMismatches).toEqual([]);
    expect(api.errors).toEqual([]);
  });
});

describe('chat tokens over REST', () => {
  it('a read token may redeem a chat token it holds but never mint one; a write token may', async () => {
    const { api, visitor } = await setUp();
    const refused = await api.rest('POST', `/bindings/${visitor}/chat-tokens`, { token: READ, body: {} });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'forbidden']);
    const issued = await api.rest('POST', `/bindings/${visitor}/chat-tokens`, { token: WRITE, body: {} });
    expect(issued.status).toBe(200);
    const redeemed = await api.rest('POST', '/chat-tokens/redeem', { token: READ, body: { token: issued.body.token } });
    expect([redeemed.status, redeemed.body.bindingId]).toEqual([200, visitor]);
    const forged = await api.rest('POST', '/chat-tokens/redeem', { token: READ, body: { token: `${issued.body.token}x` } });
    expect([forged.status, forged.body.error.field]).toEqual([401, 'token']);
  });

  it('reads a chat token from the body only, so it never travels in a URL', async () => {
    const { api, visitor } = await setUp();
    const { token } = (await api.rest('POST', `/bindings/${visitor}/chat-tokens`, { body: {} })).body;
    const inQuery = await api.rest('GET', `/chat-tokens/redeem?token=${token}`);
    expect([inQuery.status, inQuery.headers.get('allow')]).toEqual([405, 'POST']);
    const queryOnly = await api.rest('POST', `/chat-tokens/redeem?token=${token}`, { body: {} });
    expect([queryOnly.status, queryOnly.body.error.field]).toEqual([400, 'token']);
    const inBody = await api.rest('POST', '/chat-tokens/redeem', { body: { token } });
    expect([inBody.status, inBody.body.roomId]).toEqual([200, 'r1']);
  });
});
