// No input crashes the engine (DESIGN.md section 14): thousands of random and malformed inputs to
// every operation, to provider webhooks and to the HTTP handlers. Every failure is a RoomwireError
// with a 4xx status (over HTTP: a 4xx with a JSON error body), never a 5xx, an unhandled rejection
// or a crash, and a rejected call stores nothing. Seeded: FUZZ_SEED=<n> replays a run.
import { afterEach, describe, expect, it } from 'vitest';
import {
  RoomwireError,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  createOperationsHandler,
  createRestHandler,
  createWebhookHandler,
  listOperations,
  signWebhookBody,
  type Binding,
  type Engine,
  type InboundRequest,
  type Operation,
} from '../../runtime/src';
import { SECRET, cleanupAll, createRoom, openRowCounter, openTestEngine, send } from './support/engine';
import { request, serveHandlers } from './support/http';
import { Random, junk, NASTY_KEYS } from './support/random';
import { sampleInput } from './support/schema-samples';
import { recordUnhandledRejections } from '../support/unhandled';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed2024);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);

const unhandledRejections = recordUnhandledRejections();
afterEach(async () => {
  await cleanupAll();
  expect(unhandledRejections()).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
});

/** Describes a value for a failure message without printing 300 KB strings or recursing forever. */
function show(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_k, v: unknown) =>
      typeof v === 'bigint' ? `${v}n` : typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…(${v.length})` : v,
    );
    return (text ?? String(value)).slice(0, 600);
  } catch {
    return `[${typeof value}: not serialisable]`;
  }
}

/** Any fuzzed value as text for a URL (a string as it is, anything else as JSON, if it has any); cut to stay under Node's header size limit. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/** A value as one URL path segment; a lone surrogate (which cannot be encoded) as the raw bytes of one. */
function pathSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

function expectClientError(error: unknown, what: () => string): void {
  if (!(error instanceof RoomwireError)) {
    throw new Error(`seed ${SEED}: ${what()} threw a ${(error as Error)?.name ?? typeof error}, not a RoomwireError: ${String((error as Error)?.stack ?? error)}`);
  }
  if (error.httpStatus < 400 || error.httpStatus >= 500) {
    throw new Error(`seed ${SEED}: ${what()} failed with HTTP ${error.httpStatus}: ${error.message}`);
  }
}

interface World {
  engine: Engine;
  path: string;
  rooms: string[];
  bindings: Binding[];
  events: string[];
  hooks: string[];
  tasks: string[];
  known: string[];
}

async function world(): Promise<World> {
  const test = await openTestEngine();
  const engine = test.engine;
  engine.registerHookHandler('fuzz-handler', () => ({ action: 'allow' }));
  const w: World = { engine, path: test.path, rooms: [], bindings: [], events: [], hooks: [], tasks: [], known: [] };
  for (let i = 0; i < 3; i++) await addRoom(w);
  return w;
}

async function addRoom(w: World): Promise<void> {
  const { room, b } = await createRoom(w.engine);
  w.rooms.push(room.id);
  w.bindings.push(...Object.values(b));
  w.events.push((await send(w.engine, room.id, { bindingId: b['agent-1']!.id, text: 'seed' })).id);
  const hook = await w.engine.call<{ id: string }>('addRoomHook', { roomId: room.id, name: 'h', trigger: 'after_broadcast', target: { handler: 'fuzz-handler' } });
  w.hooks.push(hook.id);
  const task = await w.engine.call<{ id: string }>('createTask', { roomId: room.id, title: 'seed task' });
  w.tasks.push(task.id);
  w.known = [...w.rooms, ...w.bindings.map((x) => x.id), ...w.events, ...w.hooks, ...w.tasks, 'web', 'sms', 'console'];
}

/** A valid-looking input for `op` that names entities that exist. */
function realistic(r: Random, w: World, op: Operation): Record<string, unknown> {
  const input = sampleInput(op);
  const properties = Object.keys((op.input as { properties?: object }).properties ?? {});
  const room = r.pick(w.rooms);
  const inRoom = w.bindings.filter((b) => b.roomId === room);
  const ids: Record<string, () => unknown> = {
    roomId: () => room,
    bindingId: () => r.pick(inRoom.length ? inRoom : w.bindings).id,
    eventId: () => r.pick(w.events),
    hookId: () => r.pick(w.hooks),
    taskId: () => r.pick(w.tasks),
    channelId: () => r.pick(['web', 'sms', 'console']),
    identityId: () => r.pick(w.bindings).identityId,
    source: () => ({ channelType: 'sms', address: r.pick(w.bindings.filter((b) => b.channelId === 'sms')).address }),
    destination: () => ({ channelType: 'webchat', address: r.pick(w.bindings.filter((b) => b.channelId === 'web')).address }),
    address: () => `addr-${r.int(20)}`,
  };
  for (const name of properties) {
    if (ids[name] && (name in input || r.chance(0.3))) input[name] = ids[name]!();
  }
  if (op.name === 'sendEvent' && 'bindingId' in input && r.chance(0.5)) delete input.bindingId;
  return input;
}

function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
}

function mutate(r: Random, w: World, op: Operation, base: Record<string, unknown>): unknown {
  const properties = Object.keys((op.input as { properties?: object }).properties ?? {});
  const input: Record<string, unknown> = { ...base };
  switch (r.int(8)) {
    case 0:
      return junk(r, w.known);
    case 1:
    case 2:
      if (properties.length) setField(input, r.pick(properties), junk(r, w.known));
      return input;
    case 3: {
      const keys = Object.keys(input);
      if (keys.length) delete input[r.pick(keys)];
      return input;
    }
    case 4:
      setField(input, r.chance(0.5) ? r.pick(NASTY_KEYS) : 'unknownField', junk(r, w.known));
      return input;
    case 5: {
      // One level down: a field of the content, a binding spec, a hook target or filter.
      const nested = r.pick(['content', 'metadata', 'bindings', 'target', 'filters', 'timers', 'visibility'].filter((k) => properties.includes(k)).concat(properties));
      if (!nested) return input;
      const inner: Record<string, unknown> = typeof input[nested] === 'object' && input[nested] !== null ? { ...(input[nested] as object) } : {};
      setField(inner, r.pick(['type', 'text', 'url', 'buttons', 'cards', 'data', 'handler', 'directions', 'inactiveAfter', '0', '__proto__', 'metadata']), junk(r, w.known));
      input[nested] = nested === 'bindings' ? [inner] : inner;
      return input;
    }
    case 6:
      for (const name of properties) if (r.chance(0.4)) setField(input, name, junk(r, w.known));
      return input;
    default:
      return input;
  }
}

describe('fuzz', () => {
  it('every operation via engine.call: only 4xx RoomwireErrors, and a rejected call stores nothing', async () => {
    const w = await world();
    const counter = await openRowCounter(w.path);
    const r = new Random(SEED);
    const operations = listOperations();
    let rejected = 0;
    let succeeded = 0;
    for (let i = 0; i < 2500 * SCALE; i++) {
      const op = operations[i % operations.length]!;
      if (i % 400 === 399) await addRoom(w);
      const input = mutate(r, w, op, realistic(r, w, op));
      await w.engine.idle();
      const before = await counter.counts();
      try {
        await w.engine.call(op.name, input);
        succeeded++;
      } catch (error) {
        rejected++;
        expectClientError(error, () => `case ${i}: ${op.name}(${show(input)})`);
        await w.engine.idle();
        const after = await counter.counts();
        if (JSON.stringify(after) !== JSON.stringify(before)) {
          throw new Error(`seed ${SEED} case ${i}: rejected ${op.name}(${show(input)}) stored rows: ${show(before)} → ${show(after)}`);
        }
      }
    }
    // Both paths were exercised: the fuzzer is not only bouncing off the schema.
    expect(rejected).toBeGreaterThan(1000 * SCALE);
    expect(succeeded).toBeGreaterThan(100 * SCALE);
  }, 60_000);

  it('concurrent bursts of hostile calls never crash or leave a room with a gap', async () => {
    const w = await world();
    const r = new Random(SEED + 1);
    const operations = listOperations();
    // Hooks answering with anything at all: a malformed decision is a hook failure, never a crash.
    const decisions: unknown[] = [
      { action: 'block', reason: 'fuzz' },
      { tasks: [{ title: 'fuzz task' }], observations: [{ content: 'fuzz' }], metadataUpdates: { fuzz: true } },
      { inject: [{ content: { type: 'text', text: 'injected' } }] },
      { action: 'modify', content: { type: 'text', text: 'modified' } },
    ];
    const fields = ['action', 'reason', 'content', 'metadata', 'inject', 'tasks', 'observations', 'metadataUpdates'];
    w.engine.registerHook({ name: 'junk-decisions', trigger: 'before_broadcast', timeoutMs: 50 }, () => {
      if (r.chance(0.3)) return r.pick(decisions) as never;
      if (r.chance(0.2)) return junk(r, w.known) as never;
      const decision = { ...(r.pick(decisions) as object) } as Record<string, unknown>;
      setField(decision, r.pick(fields), junk(r, w.known));
      return decision as never;
    });
    w.engine.registerHook({ name: 'junk-notifications', trigger: 'after_broadcast', timeoutMs: 50 }, () => {
      if (r.chance(0.3)) throw new Error('notification hook failed');
      return junk(r, w.known) as never;
    });
    for (let burst = 0; burst < 20 * SCALE; burst++) {
      const calls: Promise<void>[] = Array.from({ length: 40 }, () => {
        const op = r.pick(operations);
        const input = mutate(r, w, op, realistic(r, w, op));
        return w.engine.call(op.name, input).then(
          () => undefined,
          (error: unknown) => expectClientError(error, () => `burst ${burst}: ${op.name}(${show(input)})`),
        );
      });
      // Valid writes too, so that the hooks above run on every burst (the fuzz closes rooms fast).
      await addRoom(w);
      for (let i = 0; i < 10; i++) {
        const roomId = w.rooms[w.rooms.length - 1]!;
        calls.push(
          send(w.engine, roomId, { text: `burst ${burst}.${i}` }).then(
            () => undefined,
            (error: unknown) => expectClientError(error, () => `burst ${burst}: sendEvent to ${roomId}`),
          ),
        );
      }
      await Promise.all(calls);
    }
    await w.engine.idle();
    for (const roomId of w.rooms) {
      const { events } = await w.engine.call<{ events: { index: number }[] }>('getTimeline', { roomId, audit: true, limit: 1000 });
      expect(events.map((e) => e.index)).toEqual(events.map((_, i) => i));
    }
  }, 60_000);

  it('engine.handleWebhook: broken JSON, bad signatures and hostile payloads', async () => {
    const w = await world();
    const counter = await openRowCounter(w.path);
    const r = new Random(SEED + 2);
    const customers = w.bindings.filter((b) => b.channelId === 'sms');
    const payload = (): unknown => {
      const status = r.chance(0.3);
      const body: Record<string, unknown> = status
        ? { type: 'status', status: r.pick(['sent', 'delivered', 'read', 'failed', 'undelivered']), deliveryId: `dlv_${r.int(5)}`, messageId: `prov-${r.int(5)}` }
        : { from: r.chance(0.5) ? r.pick(customers).address : `+1555${r.int(1000)}`, text: 'hello', id: r.chance(0.5) ? `SM-${r.int(50)}` : undefined };
      if (!status && r.chance(0.3)) body.roomId = r.pick(w.rooms);
      if (r.chance(0.6)) setField(body, r.pick(['from', 'text', 'content', 'id', 'roomId', 'metadata', 'correlationId', 'type', 'status', 'error', 'displayName', '__proto__', 'extra']), junk(r, w.known));
      if (r.chance(0.2)) delete body[r.pick(Object.keys(body))];
      return body;
    };
    const json = (value: unknown): string => {
      try {
        return JSON.stringify(value) ?? 'null';
      } catch {
        return '{"not":"serialisable"}';
      }
    };
    const deepJson = (depth: number) => `{"a":`.repeat(depth) + '1' + '}'.repeat(depth);
    const rawBody = (): Buffer => {
      switch (r.int(12)) {
        case 0:
          return Buffer.from(json(payload()).slice(0, r.int(30)));
        case 1:
          return Buffer.from(Array.from({ length: r.int(200) }, () => r.int(256)));
        case 2:
          return Buffer.from(r.pick(['', 'null', '[]', '"text"', '42', 'true', '{', '{"from":', '\u0000', '['.repeat(100_000), '{"a":'.repeat(50_000)]));
        case 3:
          // Valid JSON nested far deeper than any payload (JSON.parse copes; serializing it again would not).
          return Buffer.from(`{"from":"+15550001","text":"deep","metadata":${deepJson(r.pick([65, 3000, 20_000]))}}`);
        case 4:
          return Buffer.from(`{"from":"+15550001","content":{"type":"custom:deep","data":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`);
        default:
          return Buffer.from(json(payload()));
      }
    };
    for (let i = 0; i < 1500 * SCALE; i++) {
      const body = rawBody();
      const timestamp = Math.floor(Date.now() / 1000) + r.pick([0, 0, 0, 0, -299, -301, 400, NaN]);
      const headers: InboundRequest['headers'] = { 'content-type': 'application/json' };
      const signing = r.int(10);
      if (signing < 7) {
        headers[TIMESTAMP_HEADER] = String(timestamp);
        headers[SIGNATURE_HEADER] = signWebhookBody(SECRET, timestamp, body);
      } else if (signing === 7) {
        headers[TIMESTAMP_HEADER] = [String(timestamp), '0'];
        headers[SIGNATURE_HEADER] = [signWebhookBody('nope', timestamp, body)];
      } else if (signing === 8) {
        headers[TIMESTAMP_HEADER] = show(junk(r, w.known)).slice(0, 100);
        headers[SIGNATURE_HEADER] = show(junk(r, w.known)).slice(0, 1000);
      }
      const channel = r.chance(0.95) ? 'sms' : r.pick(['web', 'nope', '', '__proto__']);
      await w.engine.idle();
      const before = await counter.counts();
      try {
        const result = await w.engine.handleWebhook(channel, { method: 'POST', url: 'http://127.0.0.1/webhook/sms', headers, rawBody: body });
        expect(result.status).toBe(200);
      } catch (error) {
        expectClientError(error, () => `webhook case ${i} (${channel}): ${body.toString('utf8', 0, 300)}`);
        await w.engine.idle();
        const after = await counter.counts();
        if (JSON.stringify(after) !== JSON.stringify(before)) {
          throw new Error(`seed ${SEED} webhook case ${i}: a rejected request stored rows: ${body.toString('utf8', 0, 300)} ${show(before)} → ${show(after)}`);
        }
      }
    }
  }, 60_000);

  describe('HTTP handlers on a real server', () => {
    const TOKEN = 'fuzz-token';
    let w: World;
    let base: string;
    let closeServer: () => Promise<void>;
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

    async function serve(maxBodyBytes = 64 * 1024) {
      w = await world();
      const internal: unknown[] = [];
      const server = await serveHandlers({
        webhook: createWebhookHandler(w.engine, { maxBodyBytes, onError: (e) => internal.push(e) }),
        operations: createOperationsHandler(w.engine, { maxBodyBytes, apiToken: TOKEN, onError: (e) => internal.push(e) }),
        api: createRestHandler(w.engine, { maxBodyBytes, tokens: [{ token: TOKEN, scope: ['write', 'audit'], ratePerMinute: 1_000_000 }], onError: (e) => internal.push(e) }),
      });
      base = server.url;
      closeServer = server.close;
      return internal;
    }

    afterEach(async () => {
      await closeServer?.();
    });

    function expectJsonError(response: { status: number; body: unknown; text: string }, what: string, status?: number): void {
      if (response.status < 400 || response.status >= 500 || (status !== undefined && response.status !== status)) {
        throw new Error(`seed ${SEED}: ${what} answered HTTP ${response.status}: ${response.text.slice(0, 300)}`);
      }
      const error = (response.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      if (typeof error?.code !== 'string' || typeof error.message !== 'string') {
        throw new Error(`seed ${SEED}: ${what} answered HTTP ${response.status} without a JSON error body: ${JSON.stringify(response.text.slice(0, 200))}`);
      }
    }

    it('operations: random bodies, wrong methods, missing and wrong tokens', async () => {
      const internal = await serve();
      const counter = await openRowCounter(w.path);
      const r = new Random(SEED + 3);
      const operations = listOperations();
      for (let i = 0; i < 600 * SCALE; i++) {
        const op = r.chance(0.95) ? r.pick(operations).name : r.pick(['nope', '__proto__', 'constructor', '%00', 'sendEvent%2F..']);
        const opDef = operations.find((o) => o.name === op);
        let body: string;
        try {
          body = opDef ? (JSON.stringify(mutate(r, w, opDef, realistic(r, w, opDef))) ?? '') : '{}';
        } catch {
          body = '{"circular":';
        }
        if (r.chance(0.1)) body = body.slice(0, r.int(body.length + 1));
        await w.engine.idle();
        const before = await counter.counts();
        const response = await request(`${base}/operations/${op}`, { method: 'POST', headers: auth, body });
        if (response.status !== 200) {
          expectJsonError(response, `POST /operations/${op} ${body.slice(0, 200)}`);
          await w.engine.idle();
          expect(await counter.counts()).toEqual(before);
        }
      }
      // The fuzzer may have closed every room by now.
      const fresh = await createRoom(w.engine);
      const valid = JSON.stringify({ roomId: fresh.room.id, content: { type: 'text', text: 'over http' } });
      expect((await request(`${base}/operations/sendEvent`, { method: 'POST', headers: auth, body: valid })).status).toBe(200);
      expect((await request(`${base}/operations`, { method: 'GET', headers: auth })).body).toMatchObject({ operations: expect.any(Array) });
      expectJsonError(await request(`${base}/operations/sendEvent`, { method: 'POST', body: valid }), 'no token', 401);
      expectJsonError(await request(`${base}/operations`, { method: 'GET' }), 'no token, listing', 401);
      for (const header of [`Bearer wrong-token`, `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`, 'Bearer ', `bearer ${TOKEN}`]) {
        expectJsonError(await request(`${base}/operations/sendEvent`, { method: 'POST', headers: { authorization: header }, body: valid }), `token ${header}`, 401);
      }
      for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
        expectJsonError(await request(`${base}/operations/sendEvent`, { method, headers: auth, body: valid }), `${method} /operations/sendEvent`);
      }
      expect(internal).toEqual([]);
    }, 60_000);

    it('REST routes: hostile path segments, query strings, bodies, methods and Idempotency-Keys', async () => {
      const internal = await serve();
      const counter = await openRowCounter(w.path);
      const r = new Random(SEED + 5);
      const operations = listOperations().filter((op) => op.api);
      const hostileSegment = () => r.pick(['', '%00', '..', '%2F', '__proto__', 'constructor', '%E2%9C%93', 'x'.repeat(300), '%', '%zz', 'a%20b']);
      for (let i = 0; i < 400 * SCALE; i++) {
        const op = r.pick(operations);
        const { method, path } = op.api!.http;
        let input: unknown;
        try {
          input = mutate(r, w, op, realistic(r, w, op));
        } catch {
          input = {};
        }
        const fields = input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
        const url = path.replace(/\{([^}]+)\}/g, (_m, name: string) => (r.chance(0.15) ? hostileSegment() : pathSegment(asText(fields[name] ?? 'x').slice(0, 500))));
        const chosen = r.chance(0.9) ? method : r.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
        const headers: Record<string, string> = { ...auth };
        if (r.chance(0.3)) headers['idempotency-key'] = r.chance(0.8) ? `key-${r.int(30)}` : r.pick(['a b', 'x'.repeat(300), '\u00e9']);
        let body: string | undefined;
        let query = '';
        if (chosen === 'GET' || chosen === 'DELETE') {
          const params = new URLSearchParams();
          for (const [name, value] of Object.entries(fields)) if (r.chance(0.7)) params.append(name, asText(value).slice(0, 500));
          if (r.chance(0.1)) params.append(r.pick(['limit', 'after', 'cursor', 'statuses', 'audit']), r.pick(['-1', '1e309', 'true', '', ',,,', 'eyJ9']));
          query = params.size ? `?${params}` : '';
        } else {
          try {
            body = JSON.stringify(input) ?? '';
          } catch {
            body = '{"circular":';
          }
          if (r.chance(0.1)) body = body.slice(0, r.int(body.length + 1));
        }
        await w.engine.idle();
        const before = await counter.counts();
        let response: Awaited<ReturnType<typeof request>>;
        try {
          response = await request(`${base}/api${url}${query}`, { method: chosen, headers, body });
        } catch (error) {
          throw new Error(`seed ${SEED}: ${chosen} /api${url.slice(0, 200)}${query.slice(0, 200)} failed at the socket: ${String(error)}`);
        }
        if (response.status !== 200) {
          expectJsonError(response, `${chosen} /api${url.slice(0, 200)}${query.slice(0, 200)} ${String(body).slice(0, 200)}`);
          await w.engine.idle();
          expect(await counter.counts(), `${chosen} ${url}`).toEqual(before);
        }
      }
      // The same setup answers a correct request, so the refusals above were about the input.
      const fresh = await createRoom(w.engine);
      const sent = await request(`${base}/api/rooms/${fresh.room.id}/messages`, { method: 'POST', headers: { ...auth, 'idempotency-key': 'fuzz-final' }, body: '{"text":"over rest"}' });
      expect(sent.status).toBe(200);
      expect(internal).toEqual([]);
    }, 60_000);

    it('bodies over the limit get 413, declared or streamed; absurdly nested JSON gets 400', async () => {
      const internal = await serve(64 * 1024);
      const counter = await openRowCounter(w.path);
      const before = await counter.counts();
      const huge = JSON.stringify({ roomId: w.rooms[0], content: { type: 'text', text: 'x'.repeat(200_000) } });
      expectJsonError(await request(`${base}/operations/sendEvent`, { headers: auth, body: huge }), 'declared huge body', 413);
      expectJsonError(await request(`${base}/operations/sendEvent`, { headers: { ...auth, 'transfer-encoding': 'chunked' }, body: huge, chunked: true }), 'streamed huge body', 413);
      const webhookBody = JSON.stringify({ from: '+1555', text: 'x'.repeat(200_000) });
      expectJsonError(await request(`${base}/webhook/sms`, { body: webhookBody }), 'huge webhook', 413);
      expectJsonError(await request(`${base}/webhook/sms`, { headers: { 'transfer-encoding': 'chunked' }, body: webhookBody, chunked: true }), 'streamed huge webhook', 413);
      expectJsonError(await request(`${base}/operations/sendEvent`, { headers: auth, body: '['.repeat(60_000) }), 'unclosed deep JSON', 400);
      const deep = `{"roomId":"${w.rooms[0]}","content":{"type":"text","text":"x"},"metadata":{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
      const deepResponse = await request(`${base}/operations/sendEvent`, { headers: auth, body: deep });
      expectJsonError(deepResponse, 'deeply nested JSON', 400);
      expect(deepResponse.body).toMatchObject({ error: { code: 'invalid_input', field: expect.stringMatching(/^metadata\.a(\[0\])+$/) } });
      await w.engine.idle();
      expect(await counter.counts()).toEqual(before);
      // The server is still healthy afterwards.
      expect((await request(`${base}/operations/listChannels`, { headers: auth, body: '{}' })).status).toBe(200);
      expect(internal).toEqual([]);
    });

    it('webhooks: wrong methods, broken JSON, bad signatures, unknown channels', async () => {
      const internal = await serve();
      const r = new Random(SEED + 4);
      for (let i = 0; i < 300 * SCALE; i++) {
        const now = Math.floor(Date.now() / 1000);
        let body: string;
        try {
          body = JSON.stringify(r.chance(0.5) ? { from: `+1555${r.int(100)}`, text: 'hi', [r.pick(['text', 'from', 'metadata', 'x'])]: junk(r, w.known) } : junk(r, w.known)) ?? '';
        } catch {
          body = '{';
        }
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (r.chance(0.8)) {
          headers[TIMESTAMP_HEADER] = String(now);
          headers[SIGNATURE_HEADER] = r.chance(0.8) ? signWebhookBody(SECRET, now, body) : 'sha256=deadbeef';
        }
        const method = r.chance(0.9) ? 'POST' : r.pick(['GET', 'PUT', 'DELETE']);
        const channel = r.chance(0.9) ? 'sms' : r.pick(['web', 'nope', '%E2%9C%93', '__proto__']);
        const response = await request(`${base}/webhook/${channel}`, { method, headers, body });
        if (response.status !== 200) expectJsonError(response, `${method} /webhook/${channel} ${body.slice(0, 200)}`);
      }
      expectJsonError(await request(`${base}/webhook/sms`, { method: 'GET' }), 'GET webhook');
      expectJsonError(await request(`${base}/webhook/sms`, { body: '{"from":' }), 'unsigned broken JSON', 401);
      expect(internal).toEqual([]);
    }, 60_000);
  });
});
