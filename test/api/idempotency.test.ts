// Idempotency-Key answers live in the store: a retry after a restart, or sent to another engine on
// the same PostgreSQL database, gets the first answer and writes nothing again; a key is scoped to
// token, method and path, and a reused key with another body is refused naming the header.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Engine, SqliteStore, createRestHandler, type ApiTokenConfig, type Room } from '../../runtime/src';
import { cleanupAll, openTestEngine, tempDir } from '../runtime/support/engine';
import { dropSchema, freshSchema, postgresAvailable, postgresStore } from '../support/postgres';

const TOKEN = 'write-token-0123456789';
const OTHER = 'other-token-0123456789';
const TOKENS: ApiTokenConfig[] = [
  { token: TOKEN, scope: 'write', name: 'writer' },
  { token: OTHER, scope: 'write', name: 'other' },
];

const servers: http.Server[] = [];
const schemas: string[] = [];
const withPostgres = await postgresAvailable();

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.close();
    server.closeAllConnections();
  }
  await cleanupAll();
});
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

/** The REST API of one engine on a loopback server: `call(method, path, body, key)`. */
async function serve(engine: Engine) {
  const errors: unknown[] = [];
  const rest = createRestHandler(engine, { tokens: TOKENS, onError: (e) => errors.push(e) });
  const server = http.createServer((req, res) => void rest(req, res, { path: (req.url ?? '').split('?')[0]! }));
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    errors,
    async call(method: string, path: string, body: unknown, key: string, token = TOKEN) {
      const res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json(), replayed: res.headers.get('idempotent-replayed') === 'true' };
    },
  };
}

async function roomCount(engine: Engine): Promise<number> {
  return (await engine.call<{ rooms: Room[] }>('listRooms', { limit: 1000 })).rooms.length;
}

describe('Idempotency-Key kept in the store', () => {
  it('answers a retry after a restart with the first answer, writing nothing again', async () => {
    const test = await openTestEngine();
    // A room without an id: only the stored answer stops a retry from creating a second room.
    const first = await (await serve(test.engine)).call('POST', '/rooms', { metadata: { topic: 'billing' } }, 'create-1');
    expect(first.status).toBe(200);
    await test.restart();
    const api = await serve(test.engine);
    const retry = await api.call('POST', '/rooms', { metadata: { topic: 'billing' } }, 'create-1');
    expect(retry).toEqual({ ...first, replayed: true });
    expect(await roomCount(test.engine)).toBe(1);
    // The same body under a new key is a new request.
    expect((await api.call('POST', '/rooms', { metadata: { topic: 'billing' } }, 'create-2')).status).toBe(200);
    expect(await roomCount(test.engine)).toBe(2);
    expect(api.errors).toEqual([]);
  });

  it('refuses a reused key with another body (422, naming the header) after a restart too, storing nothing; field order does not matter', async () => {
    const test = await openTestEngine();
    await (await serve(test.engine)).call('POST', '/rooms', { metadata: { n: 1 } }, 'k');
    await test.restart();
    const api = await serve(test.engine);
    const refused = await api.call('POST', '/rooms', { metadata: { n: 2 } }, 'k');
    expect([refused.status, refused.body.error.code, refused.body.error.field]).toEqual([422, 'idempotency_mismatch', 'Idempotency-Key']);
    expect(await roomCount(test.engine)).toBe(1);
    // The same request with its fields in another order is a retry, not another request.
    await api.call('POST', '/rooms', { tenantId: 't1', metadata: { a: 1, b: 2 } }, 'k2');
    const reordered = await api.call('POST', '/rooms', { metadata: { b: 2, a: 1 }, tenantId: 't1' }, 'k2');
    expect([reordered.status, reordered.replayed]).toEqual([200, true]);
    expect(await roomCount(test.engine)).toBe(2);
  });

  it('runs one of several simultaneous requests under a key; the others get 409 while it runs, or its answer', async () => {
    const test = await openTestEngine();
    const api = await serve(test.engine);
    const answers = await Promise.all(Array.from({ length: 6 }, () => api.call('POST', '/rooms', {}, 'burst')));
    const ran = answers.filter((a) => a.status === 200 && !a.replayed);
    expect(ran).toHaveLength(1);
    for (const answer of answers.filter((a) => a !== ran[0])) {
      if (answer.status === 200) expect(answer.body).toEqual(ran[0]!.body);
      else expect([answer.status, answer.body.error.field]).toEqual([409, 'Idempotency-Key']);
    }
    expect(await roomCount(test.engine)).toBe(1);
  });

  it('scopes a key to its token, method and path: the same key elsewhere is another request', async () => {
    const test = await openTestEngine();
    const api = await serve(test.engine);
    const mine = await api.call('POST', '/rooms', {}, 'shared-key');
    const theirs = await api.call('POST', '/rooms', {}, 'shared-key', OTHER);
    expect(theirs.replayed).toBe(false);
    expect(theirs.body.room.id).not.toBe(mine.body.room.id);
    const task = await api.call('POST', `/rooms/${mine.body.room.id}/tasks`, { title: 'call back' }, 'shared-key');
    expect([task.status, task.replayed]).toEqual([200, false]);
    expect(await roomCount(test.engine)).toBe(2);
  });

  it('lets a refused request be corrected and sent again under its key', async () => {
    const test = await openTestEngine();
    const api = await serve(test.engine);
    const wrong = await api.call('POST', '/rooms/nope/tasks', { title: 'x' }, 'fix-me');
    expect(wrong.status).toBe(404);
    await api.call('POST', '/rooms', { id: 'nope' }, 'make-room');
    const right = await api.call('POST', '/rooms/nope/tasks', { title: 'x' }, 'fix-me');
    expect([right.status, right.replayed]).toEqual([200, false]);
  });

  it('still answers a write whose answer cannot be kept, reports why, and holds the key as running', async () => {
    class NoAnswers extends SqliteStore {
      override async completeIdempotencyKey(): Promise<void> {
        throw new Error('disk full');
      }
    }
    const engine = await Engine.open({ store: new NoAnswers(join(tempDir(), 'no-answers.sqlite')) });
    try {
      const api = await serve(engine);
      const first = await api.call('POST', '/rooms', {}, 'lost-answer');
      expect([first.status, first.replayed]).toEqual([200, false]);
      expect(api.errors).toEqual([new Error('disk full')]);
      const retry = await api.call('POST', '/rooms', {}, 'lost-answer');
      expect([retry.status, retry.body.error.field]).toEqual([409, 'Idempotency-Key']);
      expect(await roomCount(engine)).toBe(1);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(!withPostgres)('gives the first answer from another engine on the same PostgreSQL database', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const engines = [await Engine.open({ store: postgresStore(schema) }), await Engine.open({ store: postgresStore(schema) })];
    try {
      const [a, b] = [await serve(engines[0]!), await serve(engines[1]!)];
      const first = await a.call('POST', '/rooms', {}, 'pg-key');
      const retry = await b.call('POST', '/rooms', {}, 'pg-key');
      expect(retry).toEqual({ ...first, replayed: true });
      expect(await roomCount(engines[1]!)).toBe(1);
    } finally {
      for (const engine of engines) await engine.close();
    }
  });
});
