// Several engines on one PostgreSQL database, each serving web chat on its own HTTP server: a page
// connected to one engine gets what another engine committed and delivered, and the delivery to
// it reaches `delivered` as it does when the page is connected to the engine that sends.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ChatServer, Engine, FlowProvider, RateLimiter, WebchatProvider, type Binding, type ChatEndpoint, type Delivery } from '../../runtime/src';
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
async function instance(schema: string): Promise<Instance> {
  const engine = await Engine.open({ store: postgresStore(schema), chatTokenSecret: CHAT_SECRET });
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

describe.skipIf(!withPostgres)('web chat delivery status across engines on one database', () => {
  it('a page connected to another engine than the sending one makes the delivery delivered; with no page it stays sent', async () => {
    const [a, c] = await twoInstances();
    const { room, bindings } = await a.engine.call<{ room: { id: string }; bindings: Binding[] }>('createRoom', {
      bindings: [
        { channelId: 'chat', address: 'web-visitor' },
        { channelId: 'staff', address: 'agent-ann', audience: 'internal' },
      ],
    });
    const agent = bindings.find((b) => b.channelId === 'staff')!.id;
    const visitor = bindings.find((b) => b.channelId === 'chat')!.id;
    const { token } = await a.engine.call<{ token: string }>('issueChatToken', { bindingId: visitor });
    const reply = (text: string) => a.engine.call<{ event: { id: string } }>('sendEvent', { roomId: room.id, bindingId: agent, content: { type: 'text', text } });

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
