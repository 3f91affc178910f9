// Several engines on one PostgreSQL database, each serving web chat on its own HTTP server: a page
// connected to one engine gets what another engine committed and delivered, and the delivery to
// it reaches `delivered` as it does when the page is connected to the engine that sends. When its
// engine's change feed was away and the log rows it missed were pruned, the page re-reads its
// timeline from where it left off as soon as the engine resyncs.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  ChatServer,
  Engine,
  FlowProvider,
  RateLimiter,
  WebchatProvider,
  type Binding,
  type ChatEndpoint,
  type Delivery,
  type PostgresStore,
} from '../../runtime/src';
import { pruneChangeLog, storeWithAwayListener } from '../support/away-listener';
import { dropSchema, freshSchema, postgresAvailable, postgresStore } from '../support/postgres';
import { until } from '../support/wait';
import { CHAT_SECRET, ChatClient } from './support';

const withPostgres = await postgresAvailable();
const schemas: string[] = [];
const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

interface Instance {
  engine: Engine;
  wsUrl(token: string): string;
}

/** One Node-RED instance as far as web chat goes: an engine on the shared database and its chat endpoint. */
async function instance(schema: string, store: PostgresStore = postgresStore(schema)): Promise<Instance> {
  const engine = await Engine.open({ store, chatTokenSecret: CHAT_SECRET });
  await engine.registerChannel({ id: 'chat', type: 'webchat', provider: new WebchatProvider(() => engine.chatHub, 'chat') });
  await engine.registerChannel({ id: 'staff', type: 'agent', provider: new FlowProvider() });
  const endpoint: ChatEndpoint = { engine: async () => engine, settings: { channelId: 'chat' }, origins: ['*'], startLimiter: new RateLimiter(1000, 60_000) };
  const chat = new ChatServer((id) => (id === 'chat' ? endpoint : undefined));
  const server: Server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  server.on('upgrade', (req, socket, head) => chat.handleUpgrade(req, socket, head));
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  closing.push(async () => {
    chat.close();
    await new Promise((resolve) => server.close(resolve));
    await engine.close();
  });
  return { engine, wsUrl: (token) => `ws://127.0.0.1:${port}/roomwire/chat/ws?channel=chat&token=${encodeURIComponent(token)}` };
}

async function twoInstances(): Promise<[Instance, Instance]> {
  const schema = freshSchema();
  schemas.push(schema);
  return [await instance(schema), await instance(schema)];
}

const statusOf = async (engine: Engine, eventId: string) => (await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId })).deliveries[0]?.status;

/** A room on `engine` with a web chat visitor and an agent: the visitor's token, and the agent's way to reply. */
async function chatWithAgent(engine: Engine) {
  const { room, bindings } = await engine.call<{ room: { id: string }; bindings: Binding[] }>('createRoom', {
    bindings: [
      { channelId: 'chat', address: 'web-visitor' },
      { channelId: 'staff', address: 'agent-ann', audience: 'internal' },
    ],
  });
  const agent = bindings.find((b) => b.channelId === 'staff')!.id;
  const visitor = bindings.find((b) => b.channelId === 'chat')!.id;
  const { token } = await engine.call<{ token: string }>('issueChatToken', { bindingId: visitor });
  const reply = (text: string) => engine.call<{ event: { id: string } }>('sendEvent', { roomId: room.id, bindingId: agent, content: { type: 'text', text } });
  return { token, reply };
}

describe.skipIf(!withPostgres)('web chat delivery status across engines on one database', () => {
  it('a page connected to another engine than the sending one makes the delivery delivered; with no page it stays sent', async () => {
    const [a, c] = await twoInstances();
    const { token, reply } = await chatWithAgent(a.engine);

    // No page anywhere: A sends, and the delivery stays `sent`.
    const unseen = await reply('are you there?');
    await until(async () => (await statusOf(a.engine, unseen.event.id)) === 'sent', 'the first reply sent');

    // The page connects to C; A commits and sends the next reply, with no page of its own.
    const page = await ChatClient.connect(c.wsUrl(token));
    await page.hello();
    expect(a.engine.chatHub.count()).toBe(0);
    const seen = await reply('how can I help?');
    await page.next('event', (f) => f.event.content.text === 'how can I help?');
    await until(async () => (await statusOf(a.engine, seen.event.id)) === 'delivered', 'the reply the page took recorded delivered');
    // What the page only read from history was not delivered to it live: it keeps its status.
    expect(await statusOf(c.engine, unseen.event.id)).toBe('sent');
    page.close();
  });
});

describe.skipIf(!withPostgres)('a web chat page when its engine resyncs', () => {
  it('gets the messages its engine missed while its change feed was away and their log rows were pruned, once, in order, without waiting for the next one', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const a = await instance(schema);
    const away = storeWithAwayListener(schema);
    const b = await instance(schema, away.store);
    const { token, reply } = await chatWithAgent(a.engine);
    const page = await ChatClient.connect(b.wsUrl(token));
    await page.hello();
    const texts = () => page.events().flatMap((e) => (e.content?.type === 'text' ? [e.content.text as string] : []));

    await reply('before');
    await page.next('event', (f) => f.event.content.text === 'before');
    await away.goAway();
    await reply('missed 1');
    await reply('missed 2');
    await pruneChangeLog(schema);
    expect(texts()).toEqual(['before']);

    await away.comeBack();
    // Nothing else is committed: a later message would make the page fill the gap by itself.
    await until(() => texts().includes('missed 2'), 'the page re-reading its timeline');
    await reply('after');
    await until(() => texts().includes('after'), 'the next message live');
    expect(texts()).toEqual(['before', 'missed 1', 'missed 2', 'after']);
    const indexes = page.events().map((e) => e.index as number);
    expect(indexes).toEqual([...new Set(indexes)].sort((x, y) => x - y));
    page.close();
  });
});
