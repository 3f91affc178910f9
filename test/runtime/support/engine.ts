// A real engine on a temporary SQLite file with three channels: two `flow` channels whose
// participants are recorded in memory (`web`: webchat visitors, `console`: staff) and one webhook
// channel (`sms`) delivering to a local HTTP server. Every test gets its own directory and server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import {
  Engine,
  FlowProvider,
  createWebhookProvider,
  signWebhookBody,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  type Binding,
  type EngineOptions,
  type InboundRequest,
  type OutboundMessage,
  type Room,
  type RoomEvent,
} from '../../../runtime/src';
import { startLocalServer, type LocalServer } from './http';
export { until } from '../../support/wait';

export const SECRET = 'test-secret-do-not-use';

export interface TestEngineOptions extends Omit<EngineOptions, 'databasePath' | 'store'> {
  /** Reuse a database file (restart tests). */
  path?: string;
  /** Sign and verify the webhook channel (on by default). */
  secret?: string | null;
  /** Provider timeout of the webhook channel. */
  webhookTimeoutMs?: number;
  /** Leave the flow channels without a listener. */
  noListeners?: boolean;
  /** Skip registering channels (restart tests that register them later). */
  noChannels?: boolean;
}

export interface TestEngine {
  engine: Engine;
  path: string;
  /** The webhook channel's outbound endpoint. */
  sms: LocalServer;
  /** Messages handed to each flow channel's participants, in arrival order. */
  received: { web: OutboundMessage[]; console: OutboundMessage[] };
  registerChannels(): Promise<void>;
  /** Closes the engine and opens a new one on the same file (a restart). */
  restart(options?: Partial<TestEngineOptions>): Promise<Engine>;
  close(): Promise<void>;
}

const cleanups: (() => Promise<void> | void)[] = [];

/** Closes every engine and server opened by the helpers (call in `afterEach`). */
export async function cleanupAll(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    try {
      await cleanup();
    } catch {
      // already closed
    }
  }
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-test-'));
  cleanups.unshift(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function openTestEngine(options: TestEngineOptions = {}): Promise<TestEngine> {
  const path = options.path ?? join(tempDir(), 'roomwire.db');
  const sms = await startLocalServer();
  cleanups.push(() => sms.close());
  const received: TestEngine['received'] = { web: [], console: [] };
  const settings = { delivery: { baseBackoffMs: 5, maxBackoffMs: 50, maxAttempts: 4 }, ...options };
  const open = async (extra: Partial<TestEngineOptions> = {}) => {
    const merged = { ...settings, ...extra };
    const engine = await Engine.open({ ...merged, databasePath: path });
    cleanups.push(() => engine.close());
    return engine;
  };
  const secret = options.secret === undefined ? SECRET : (options.secret ?? undefined);
  const result: TestEngine = {
    engine: await open(),
    path,
    sms,
    received,
    async registerChannels() {
      const web = new FlowProvider();
      const console = new FlowProvider();
      if (!options.noListeners) {
        web.listen((message) => received.web.push(message));
        console.listen((message) => received.console.push(message));
      }
      await result.engine.registerChannel({ id: 'web', type: 'webchat', provider: web });
      await result.engine.registerChannel({ id: 'console', type: 'console', provider: console, info: { audience: 'internal' } });
      await result.engine.registerChannel({
        id: 'sms',
        type: 'sms',
        provider: createWebhookProvider({ outboundUrl: `${sms.url}send/{address}`, secret, timeoutMs: options.webhookTimeoutMs ?? 2000 }),
      });
    },
    async restart(extra = {}) {
      await result.engine.close();
      result.engine = await open(extra);
      return result.engine;
    },
    close: () => result.engine.close(),
  };
  if (!options.noChannels) await result.registerChannels();
  return result;
}

export interface TestRoom {
  room: Room;
  /** Bindings by the `address` they were attached with. */
  b: Record<string, Binding>;
}

export type BindingSpec = {
  channelId: string;
  address: string;
  audience?: 'external' | 'internal';
  access?: 'read_write' | 'read_only' | 'write_only' | 'none';
  muted?: boolean;
  visibility?: 'all' | 'internal' | 'none' | string[];
  state?: 'invited' | 'joined';
  metadata?: Record<string, unknown>;
};

/** The usual room: a customer on SMS, a webchat visitor and a staff agent on the console. */
export const DEFAULT_BINDINGS: BindingSpec[] = [
  { channelId: 'sms', address: '+15550001' },
  { channelId: 'web', address: 'visitor-1' },
  { channelId: 'console', address: 'agent-1' },
];

export async function createRoom(engine: Engine, bindings: BindingSpec[] = DEFAULT_BINDINGS, extra: Record<string, unknown> = {}): Promise<TestRoom> {
  const created = await engine.call<{ room: Room; bindings: Binding[] }>('createRoom', { bindings, ...extra });
  return { room: created.room, b: Object.fromEntries(created.bindings.map((b) => [b.address, b])) };
}

export async function send(
  engine: Engine,
  roomId: string,
  input: { bindingId?: string; text?: string } & Record<string, unknown> = {},
): Promise<RoomEvent> {
  const { text, ...rest } = input;
  const result = await engine.call<{ event: RoomEvent }>('sendEvent', { roomId, content: { type: 'text', text: text ?? 'hello' }, ...rest });
  return result.event;
}

export async function timeline(engine: Engine, roomId: string, query: Record<string, unknown> = {}): Promise<RoomEvent[]> {
  return (await engine.call<{ events: RoomEvent[] }>('getTimeline', { roomId, limit: 1000, ...query })).events;
}

export const messages = (events: RoomEvent[]): RoomEvent[] => events.filter((e) => e.type === 'message');
export const texts = (events: RoomEvent[]): unknown[] => messages(events).map((e) => e.content.text);

/** A signed webhook request for the `sms` channel, as a provider (or `signWebhookBody`'s user) sends it. */
export function webhookRequest(
  body: unknown,
  options: { secret?: string | null; timestamp?: number; signature?: string; raw?: string } = {},
): InboundRequest {
  const raw = options.raw ?? JSON.stringify(body);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const secret = options.secret === undefined ? SECRET : options.secret;
  if (secret !== null) {
    headers[TIMESTAMP_HEADER] = String(timestamp);
    headers[SIGNATURE_HEADER] = options.signature ?? signWebhookBody(secret, timestamp, raw);
  }
  return { method: 'POST', url: 'http://127.0.0.1/webhook/sms', headers, rawBody: Buffer.from(raw) };
}

/** Inbound SMS from a customer, through the webhook channel's signature check and parser. */
export async function inbound(
  engine: Engine,
  body: Record<string, unknown>,
): Promise<{ kind: string; eventId: string; roomId: string; index: number; status: string; duplicate: boolean }> {
  const result = await engine.handleWebhook('sms', webhookRequest({ from: '+15550001', text: 'hi', ...body }));
  return (result.body as { accepted: never[] }).accepted[0]!;
}

/** Rows in the file, read over a separate SQLite connection (what another process would see). */
export async function query<T = Record<string, unknown>>(path: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (error) => (error ? reject(error) : resolve(opened)));
  });
  try {
    return await new Promise<T[]>((resolve, reject) => db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as T[]))));
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

const TABLES_SQL = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name";

function countSql(tables: string[]): string {
  return tables.map((t) => `SELECT '${t}' AS name, count(*) AS n FROM "${t}"`).join(' UNION ALL ');
}

/** Row count of every table the store has (whatever later migrations add), over a separate connection. */
export async function rowCounts(path: string): Promise<Record<string, number>> {
  const tables = (await query<{ name: string }>(path, TABLES_SQL)).map((t) => t.name);
  const rows = await query<{ name: string; n: number }>(path, countSql(tables));
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}


/** The RoomwireError a call rejects with (fails the test if it resolves or throws something else). */
export async function rejection(promise: Promise<unknown>): Promise<{ code: string; field?: string; httpStatus: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name?: string; code?: string; field?: string; httpStatus?: number; message: string };
    if (e?.name !== 'RoomwireError') throw new Error(`expected a RoomwireError, got ${String((error as Error)?.stack ?? error)}`);
    return e as never;
  }
  throw new Error('expected the call to be rejected, it resolved');
}

/** Row counts over one long-lived separate connection (cheap enough to ask before and after every call). */
export async function openRowCounter(path: string): Promise<{ counts(): Promise<Record<string, number>>; close(): Promise<void> }> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (error) => (error ? reject(error) : resolve(opened)));
  });
  const tables = await new Promise<string[]>((resolve, reject) =>
    db.all(TABLES_SQL, [], (error, rows: { name: string }[]) => (error ? reject(error) : resolve(rows.map((r) => r.name)))),
  );
  const sql = countSql(tables);
  const counter = {
    counts: () =>
      new Promise<Record<string, number>>((resolve, reject) =>
        db.all(sql, [], (error, rows: { name: string; n: number }[]) => (error ? reject(error) : resolve(Object.fromEntries(rows.map((r) => [r.name, r.n]))))),
      ),
    close: () => new Promise<void>((resolve) => db.close(() => resolve())),
  };
  cleanups.push(() => counter.close());
  return counter;
}
