// Shared by the delivery and timer tests: engines on temporary SQLite files, a real local HTTP
// receiver that can misbehave the ways a provider's API does, a controllable clock, and small
// readers for deliveries and notifications. Everything a test opens is closed by `cleanup()`.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import {
  Engine,
  ProviderError,
  createWebhookProvider,
  type Binding,
  type Delivery,
  type EngineOptions,
  type JsonObject,
  type Notification,
  type OutboundMessage,
  type Provider,
  type Room,
  type RoomEvent,
  type SendResult,
} from '../../../runtime/src';
export { until } from '../../support/wait';

const cleanups: (() => unknown)[] = [];

/** Closes engines and servers and removes directories, newest first (use in `afterEach`). */
export async function cleanup(): Promise<void> {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!();
    } catch {
      // already closed
    }
  }
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-delivery-'));
  cleanups.unshift(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A clock the test moves by hand: timers fire only through `engine.runDueTimers()`. */
export interface TestClock {
  (): number;
  advance(ms: number): number;
}

export function testClock(start = Date.parse('2030-01-01T00:00:00Z')): TestClock {
  let now = start;
  const clock = (() => now) as TestClock;
  clock.advance = (ms) => (now += ms);
  return clock;
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

/** Opens an engine (fast retries by default); it is closed by `cleanup()` unless closed before. */
export async function openEngine(path: string, options: Omit<EngineOptions, 'databasePath'> = {}): Promise<Engine> {
  const engine = await Engine.open({ databasePath: path, ...options, delivery: { baseBackoffMs: 5, maxBackoffMs: 40, maxAttempts: 4, ...options.delivery } });
  cleanups.push(() => engine.close());
  return engine;
}

// --- The receiving end: a provider's API standing on 127.0.0.1 -------------------------------

export interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: { deliveryId: string; eventId: string; roomId: string; index: number; to: string; content: { text?: string }; correlationId: string | null };
  key: string;
  at: number;
}

/** What the server does with one request: answer, answer late, never answer, or drop the socket. */
export type Answer = { status: number; body?: string; delayMs?: number } | 'hang' | 'reset';

export interface Receiver {
  url: string;
  requests: Received[];
  /** Most requests that were open at the same moment, overall and per first path segment (the channel). */
  peakConcurrent: number;
  peakByPath: Record<string, number>;
  answer(responder: (request: Received, index: number) => Answer): void;
  /** Requests whose path starts with `/<path>`. */
  to(path: string): Received[];
  close(): Promise<void>;
}

export async function startReceiver(responder: (request: Received, index: number) => Answer = () => ({ status: 200 })): Promise<Receiver> {
  let respond = responder;
  let open = 0;
  const openByPath = new Map<string, number>();
  const hanging = new Set<http.ServerResponse>();
  const receiver: Receiver = {
    url: '',
    requests: [],
    peakConcurrent: 0,
    peakByPath: {},
    answer(next) {
      respond = next;
    },
    to: (path) => receiver.requests.filter((r) => r.url.startsWith(`/${path}`)),
    async close() {
      for (const res of hanging) res.destroy();
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
    },
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('/')[1] ?? '';
    open++;
    openByPath.set(path, (openByPath.get(path) ?? 0) + 1);
    receiver.peakConcurrent = Math.max(receiver.peakConcurrent, open);
    receiver.peakByPath[path] = Math.max(receiver.peakByPath[path] ?? 0, openByPath.get(path)!);
    let finished = false;
    // `finish`: the answer is handed to the socket, before the client can see it and send again.
    const finish = () => {
      if (finished) return;
      finished = true;
      open--;
      openByPath.set(path, openByPath.get(path)! - 1);
    };
    res.on('finish', finish);
    res.on('close', finish);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: Received = {
        url: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        key: String(req.headers['idempotency-key']),
        at: Date.now(),
      };
      const index = receiver.requests.push(request) - 1;
      const answer = respond(request, index);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      if (answer === 'reset') {
        finish();
        req.socket.destroy();
        return;
      }
      const reply = () => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body ?? '{}');
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  cleanups.push(() => receiver.close());
  return receiver;
}

/** A webhook channel delivering to `<receiver>/<id>/<address>`. */
export function registerWebhookChannel(
  engine: Engine,
  receiver: Receiver,
  id: string,
  options: { type?: string; timeoutMs?: number; maxConcurrency?: number } = {},
): Promise<unknown> {
  return engine.registerChannel({
    id,
    type: options.type ?? 'webhook',
    provider: createWebhookProvider({ outboundUrl: `${receiver.url}${id}/{address}`, timeoutMs: options.timeoutMs ?? 2000 }),
    maxConcurrency: options.maxConcurrency,
  });
}

/**
 * A provider whose sends are accepted but not yet confirmed (`sent`, like an SMS gateway before its
 * delivery receipt), each with a provider message id; `fail` makes the next sends fail for good.
 */
export class AcceptingProvider implements Provider {
  readonly name = 'accepting';
  readonly sent: OutboundMessage[] = [];
  failWith: string | null = null;
  /** Its status callbacks arrive in the webhook channel's format. */
  readonly parseInbound = createWebhookProvider({}).parseInbound!;

  async send(message: OutboundMessage): Promise<SendResult> {
    if (this.failWith) {
      throw new ProviderError(this.failWith, `rejected by the test provider (${this.failWith})`, true);
    }
    this.sent.push(message);
    return { status: 'sent', providerMessageId: `pm-${message.deliveryId}` };
  }
}

// --- Readers ---------------------------------------------------------------------------------

export async function createRoom(
  engine: Engine,
  bindings: { channelId: string; address: string; [key: string]: unknown }[],
  extra: JsonObject = {},
): Promise<{ room: Room; b: Record<string, Binding> }> {
  const created = await engine.call<{ room: Room; bindings: Binding[] }>('createRoom', { bindings, ...extra });
  return { room: created.room, b: Object.fromEntries(created.bindings.map((b) => [b.address, b])) };
}

export async function send(engine: Engine, roomId: string, text: string, extra: JsonObject = {}): Promise<RoomEvent> {
  return (await engine.call<{ event: RoomEvent }>('sendEvent', { roomId, content: { type: 'text', text }, ...extra })).event;
}

export async function deliveriesOf(engine: Engine, eventId: string): Promise<{ deliveries: Delivery[]; aggregate: JsonObject }> {
  return engine.call('getDeliveries', { eventId });
}

export async function deliveryTo(engine: Engine, eventId: string, bindingId: string): Promise<Delivery> {
  const found = (await deliveriesOf(engine, eventId)).deliveries.find((d) => d.bindingId === bindingId);
  if (!found) throw new Error(`no delivery of ${eventId} to ${bindingId}`);
  return found;
}

export async function roomEvents(engine: Engine, roomId: string, type?: string): Promise<RoomEvent[]> {
  const { events } = await engine.call<{ events: RoomEvent[] }>('getTimeline', { roomId, audit: true, limit: 1000 });
  return type ? events.filter((e) => e.type === type) : events;
}

/** Everything the engine announces, for assertions afterwards. */
export function record(engine: Engine): Notification[] {
  const seen: Notification[] = [];
  cleanups.push(engine.subscribe((n) => seen.push(n)));
  return seen;
}

/** A provider status callback, as the webhook channel receives it. */
export function statusCallback(engine: Engine, channelId: string, body: JsonObject) {
  return engine.handleWebhook(channelId, {
    method: 'POST',
    url: `http://127.0.0.1/webhook/${channelId}`,
    headers: { 'content-type': 'application/json' },
    rawBody: Buffer.from(JSON.stringify({ type: 'status', ...body })),
  });
}

/** An inbound message on a webhook channel (unsigned: the channels here have no secret). */
export function inbound(engine: Engine, channelId: string, body: JsonObject) {
  return engine.handleWebhook(channelId, {
    method: 'POST',
    url: `http://127.0.0.1/webhook/${channelId}`,
    headers: { 'content-type': 'application/json' },
    rawBody: Buffer.from(JSON.stringify(body)),
  });
}

/** One SQL statement on a store file that no engine has open (a crash's aftermath, a doctored row). */
export function sql<T = unknown>(path: string, statement: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (error) => {
      if (error) return reject(error);
      db.all(statement, (err, rows) => {
        db.close();
        if (err) reject(err);
        else resolve(rows as T[]);
      });
    });
  });
}

