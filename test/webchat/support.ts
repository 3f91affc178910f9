// A real engine (SQLite on a temporary file) serving web chat on a real HTTP server on loopback:
// the start endpoint and the WebSocket endpoint exactly as Node-RED mounts them, a `webchat`
// channel (`chat`) for visitors and a `flow` channel (`staff`) for the other side. Clients are
// real `ws` WebSocket clients.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import {
  ChatServer,
  Engine,
  FlowProvider,
  RateLimiter,
  WebchatProvider,
  createChatStartHandler,
  type ChatEndpoint,
  type ChatHubOptions,
  type OutboundMessage,
} from '../../runtime/src';
import { until } from '../support/wait';

export const CHAT_SECRET = 'chat-secret-for-tests';

export interface ChatHarnessOptions {
  hub?: Partial<ChatHubOptions>;
  /** Receives the engine's warnings (the hub's among them). */
  onWarning?: (message: string) => void;
  startsPerMinute?: number;
  path?: string;
  /** The engine's clock (token expiry is reckoned on it). */
  clock?: () => number;
}

export interface ChatHarness {
  engine: Engine;
  path: string;
  url: string;
  wsUrl(token: string, channel?: string): string;
  /** What the `staff` flow channel's participants were delivered. */
  staffReceived: OutboundMessage[];
  /** Starts a chat through the HTTP endpoint. */
  start(body?: unknown): Promise<{ status: number; body: any }>;
  /** A room with a visitor on `chat` and an agent on `staff`; returns the visitor's token. */
  room(): Promise<{ roomId: string; visitor: string; agent: string; token: string }>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startChatHarness(options: ChatHarnessOptions = {}): Promise<ChatHarness> {
  const dir = options.path ? null : mkdtempSync(join(tmpdir(), 'roomwire-chat-'));
  const path = options.path ?? join(dir!, 'rooms.sqlite');
  const staffReceived: OutboundMessage[] = [];
  let engine = await open();

  async function open(): Promise<Engine> {
    const log = (message: string) => options.onWarning?.(message);
    const opened = await Engine.open({
      databasePath: path,
      chatTokenSecret: CHAT_SECRET,
      logger: { info: () => undefined, warn: log, error: log },
      ...(options.hub ? { chat: options.hub } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    await opened.registerChannel({ id: 'chat', type: 'webchat', provider: new WebchatProvider(() => opened.chatHub, 'chat') });
    await opened.registerChannel({ id: 'other-chat', type: 'webchat', provider: new WebchatProvider(() => opened.chatHub, 'other-chat') });
    const staff = new FlowProvider();
    staff.listen((message) => staffReceived.push(message));
    await opened.registerChannel({ id: 'staff', type: 'agent', provider: staff });
    return opened;
  }

  const endpoint = (channelId: string): ChatEndpoint => ({
    engine: async () => engine,
    settings: { channelId, timers: { inactiveAfter: 'PT30M', closedAfter: 'PT24H' }, participants: [{ channelId: 'staff', address: 'desk', audience: 'internal' }] },
    origins: ['*'],
    startLimiter: new RateLimiter(options.startsPerMinute ?? 1000, 60_000),
  });
  const endpoints = new Map(['chat', 'other-chat'].map((id) => [id, endpoint(id)]));
  const chat = new ChatServer((id) => endpoints.get(id));
  const start = createChatStartHandler((id) => endpoints.get(id));
  const server: Server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/roomwire/chat/start') void start(req, res);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] === '/roomwire/chat/ws') chat.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    get engine() {
      return engine;
    },
    path,
    url,
    staffReceived,
    wsUrl: (token, channel = 'chat') => `${url.replace('http', 'ws')}/roomwire/chat/ws?channel=${encodeURIComponent(channel)}&token=${encodeURIComponent(token)}`,
    async start(body: unknown = { channel: 'chat' }) {
      const res = await fetch(`${url}/roomwire/chat/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    },
    async room() {
      const { room, bindings } = await engine.call<any>('createRoom', {
        bindings: [
          { channelId: 'chat', address: `web-${Math.random().toString(36).slice(2)}` },
          { channelId: 'staff', address: 'agent-ann', audience: 'internal', metadata: { displayName: 'Ann' } },
        ],
      });
      const visitor = bindings.find((b: any) => b.channelId === 'chat').id;
      const agent = bindings.find((b: any) => b.channelId === 'staff').id;
      const { token } = await engine.call<any>('issueChatToken', { bindingId: visitor });
      return { roomId: room.id, visitor, agent, token };
    },
    async restart() {
      await engine.close();
      engine = await open();
    },
    async close() {
      chat.close();
      await new Promise((resolve) => server.close(resolve));
      await engine.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A real WebSocket client that records every frame it receives. */
export class ChatClient {
  readonly frames: any[] = [];
  closed: { code: number; reason: string } | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString())));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
  }

  /** Opens a connection; rejects with the HTTP status when the upgrade is refused. */
  static connect(url: string): Promise<ChatClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new ChatClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`refused: ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Events received so far (history and live), in arrival order. */
  events(): any[] {
    return this.frames.flatMap((f) => (f.type === 'history' ? f.events : f.type === 'event' ? [f.event] : []));
  }

  next(type: string, match: (frame: any) => boolean = () => true, timeoutMs = 10_000): Promise<any> {
    return until(() => this.frames.find((f) => f.type === type && match(f)), `a ${type} frame`, timeoutMs);
  }

  async hello(since = -1): Promise<void> {
    this.send({ type: 'hello', since });
    await this.next('ready');
  }

  close(): void {
    this.ws.close();
  }
}
