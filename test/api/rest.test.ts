// The REST API's contract (issue 13): cursor paging that never skips or repeats an event while
// others write, Idempotency-Key on mutating calls, every error status with a JSON body naming the
// field, tokens and scopes (no token, no access; a read token never writes), per-token rate
// limits, and a token acting as a binding that sees and writes only as that binding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOperations, type Binding, type RoomEvent } from '../../runtime/src';
import { cleanupAll, createRoom, inbound, type TestRoom } from '../runtime/support/engine';
import { AUDIT, READ, startApiServer, type ApiServer } from './support';

const VISITOR = 'visitor-token-0123456789';
const SLOW = 'slow-token-0123456789';

let server: ApiServer;
let room: TestRoom;

beforeAll(async () => {
  server = await startApiServer(async (test) => {
    room = await createRoom(test.engine);
    return [
      { token: VISITOR, scope: 'write', binding: room.b['visitor-1']!.id, name: 'visitor' },
      { token: SLOW, scope: 'read', ratePerMinute: 3, name: 'slow' },
    ];
  });
});

afterAll(async () => {
  expect(server.outputMismatches).toEqual([]);
  expect(server.errors).toEqual([]);
  await server?.close();
  await cleanupAll();
});

const roomPath = () => `/rooms/${room.room.id}`;

async function eventCount(roomId = room.room.id): Promise<number> {
  return (await server.test.engine.call<{ events: RoomEvent[] }>('getTimeline', { roomId, audit: true, limit: 1000 })).events.length;
}

describe('REST paging', () => {
  it('never skips or repeats an event across pages while another client writes', async () => {
    const { body } = await server.rest('POST', '/rooms', { body: { bindings: [{ channelId: 'web', address: 'pager' }] } });
    const roomId: string = body.room.id;
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 40; i++) await server.rest('POST', `/rooms/${roomId}/messages`, { body: { text: `m${i}` } });
      writing = false;
    })();
    const seen: number[] = [];
    let after = -1;
    for (;;) {
      const page = await server.rest('GET', `/rooms/${roomId}/events?after=${after}&limit=7`);
      expect(page.status).toBe(200);
      seen.push(...page.body.events.map((e: RoomEvent) => e.index));
      after = page.body.nextAfter;
      if (!writing && page.body.events.length === 0) break;
    }
    await writer;
    const all = (await server.rest('GET', `/rooms/${roomId}/events?limit=1000`)).body.events.map((e: RoomEvent) => e.index);
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(seen.length);
    expect(all.filter((i: number) => i >= 0)).toHaveLength(all.length);
    expect(all.length).toBeGreaterThanOrEqual(40);
  });

  it('pages rooms newest first with a cursor', async () => {
    const first = await server.rest('GET', '/rooms?limit=1&states=active');
    expect(first.status).toBe(200);
    expect(first.body.rooms).toHaveLength(1);
    const next = await server.rest('GET', `/rooms?limit=1&states=active&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(next.body.rooms[0].id).not.toBe(first.body.rooms[0].id);
    const forged = await server.rest('GET', '/rooms?limit=1&cursor=not-a-cursor');
    expect([forged.status, forged.body.error.field]).toEqual([400, 'cursor']);
  });
});

describe('room deliveries', () => {
  it('lists a room\'s deliveries by status and binding, paged by cursor, with counts by status over the room', async () => {
    const { room: fresh, b } = await createRoom(server.test.engine);
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) sent.push((await server.rest('POST', `/rooms/${fresh.id}/messages`, { body: { text: `m${i}`, bindingId: b['agent-1']!.id } })).body.event.id);
    await server.test.engine.idle();
    const all = await server.rest('GET', `/rooms/${fresh.id}/deliveries?limit=1000`);
    expect(all.status).toBe(200);
    // Each message goes to the two other participants, in event order.
    expect(all.body.deliveries.map((d: { eventId: string }) => d.eventId)).toEqual(sent.flatMap((id) => [id, id]));
    expect(all.body.total).toBe(10);
    const byStatus = Object.entries(all.body.counts).filter(([, n]) => (n as number) > 0);
    for (const [status, n] of byStatus) {
      const listed = await server.rest('GET', `/rooms/${fresh.id}/deliveries?statuses=${status}&limit=1000`);
      expect(listed.body.deliveries.every((d: { status: string }) => d.status === status)).toBe(true);
      expect(listed.body.deliveries).toHaveLength(n as number);
    }
    const visitor = await server.rest('GET', `/rooms/${fresh.id}/deliveries?bindingId=${b['visitor-1']!.id}`);
    expect(visitor.body.deliveries.map((d: { bindingId: string }) => d.bindingId)).toEqual(sent.map(() => b['visitor-1']!.id));
    expect(visitor.body.total).toBe(5);

    const paged: string[] = [];
    let query = 'limit=3';
    for (;;) {
      const page = await server.rest('GET', `/rooms/${fresh.id}/deliveries?${query}`);
      paged.push(...page.body.deliveries.map((d: { id: string }) => d.id));
      if (!page.body.nextCursor) break;
      query = `limit=3&cursor=${encodeURIComponent(page.body.nextCursor)}`;
    }
    expect(paged).toEqual(all.body.deliveries.map((d: { id: string }) => d.id));
  });

  it('answers 404 for an unknown room, 400 naming a bad status, and 403 for a participant token', async () => {
    const unknown = await server.rest('GET', '/rooms/nope/deliveries');
    expect([unknown.status, unknown.body.error.field]).toEqual([404, 'roomId']);
    const bad = await server.rest('GET', `${roomPath()}/deliveries?statuses=lost`);
    expect([bad.status, bad.body.error.field]).toEqual([400, 'statuses[0]']);
    expect((await server.rest('GET', `${roomPath()}/deliveries`, { token: VISITOR })).status).toBe(403);
    expect((await server.rest('GET', `${roomPath()}/deliveries`, { token: READ })).status).toBe(200);
  });
});

describe('binding shortcuts', () => {
  it('sets a participant\'s visibility and access through their own routes, with updateBinding\'s rules', async () => {
    const { room: fresh, b } = await createRoom(server.test.engine);
    const agent = b['agent-1']!.id;
    const seen = await server.rest('PUT', `/rooms/${fresh.id}/bindings/${agent}/visibility`, { body: { visibility: 'internal' } });
    expect([seen.status, seen.body.visibility]).toEqual([200, 'internal']);
    const access = await server.rest('PUT', `/rooms/${fresh.id}/bindings/${agent}/access`, { body: { access: 'read_only' } });
    expect([access.status, access.body.access]).toEqual([200, 'read_only']);
    const stored = await server.rest('GET', `/bindings/${agent}`);
    expect([stored.body.visibility, stored.body.access]).toEqual(['internal', 'read_only']);
    // A read-only participant's message is stored blocked: the write gate of updateBinding's access applies.
    const blocked = await server.rest('POST', `/rooms/${fresh.id}/messages`, { body: { text: 'muted by access', bindingId: agent } });
    expect(blocked.body.event.status).toBe('blocked');

    const bad = await server.rest('PUT', `/rooms/${fresh.id}/bindings/${agent}/access`, { body: { access: 'admin' } });
    expect([bad.status, bad.body.error.field]).toEqual([400, 'access']);
    const elsewhere = await server.rest('PUT', `${roomPath()}/bindings/${agent}/visibility`, { body: { visibility: 'all' } });
    expect([elsewhere.status, elsewhere.body.error.field]).toEqual([404, 'bindingId']);
    expect((await server.rest('GET', `/bindings/${agent}`)).body.visibility).toBe('internal');
  });
});

describe('Idempotency-Key', () => {
  it('answers a repeated request with the first answer and writes once; the key is stored with the event', async () => {
    const before = await eventCount();
    const send = () => server.rest('POST', `${roomPath()}/messages`, { body: { text: 'once' }, headers: { 'idempotency-key': 'key-1' } });
    const first = await send();
    const again = await send();
    expect(first.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await eventCount()).toBe(before + 1);
    // Event writes carry the key into the store (it survives a restart there).
    expect(first.body.event.idempotencyKey).toBe('key-1');
  });

  it('refuses the same key with a different body (422) and stores nothing', async () => {
    await server.rest('POST', `${roomPath()}/tasks`, { body: { title: 'a' }, headers: { 'idempotency-key': 'key-2' } });
    const before = await server.test.engine.call<{ sideEffects: unknown[] }>('listSideEffects', { roomId: room.room.id });
    const other = await server.rest('POST', `${roomPath()}/tasks`, { body: { title: 'b' }, headers: { 'idempotency-key': 'key-2' } });
    expect([other.status, other.body.error.code, other.body.error.field]).toEqual([422, 'idempotency_mismatch', 'Idempotency-Key']);
    expect(await server.test.engine.call('listSideEffects', { roomId: room.room.id })).toEqual(before);
    // The same body under a new key is a new write.
    expect((await server.rest('POST', `${roomPath()}/tasks`, { body: { title: 'b' }, headers: { 'idempotency-key': 'key-3' } })).status).toBe(200);
  });

  it('a body nested thousands of levels deep is refused naming its field, with a key as without one', async () => {
    const body = `{"title":"x","data":{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
    const answers = [];
    for (const headers of [{}, { 'idempotency-key': 'deep-1' }] as Record<string, string>[]) {
      const answer = await server.rest('POST', `${roomPath()}/tasks`, { body, headers });
      answers.push([answer.status, answer.body.error.field.slice(0, 9)]);
    }
    expect(answers).toEqual([
      [400, 'data.a[0]'],
      [400, 'data.a[0]'],
    ]);
    // The afterAll hook checks that nothing reached the error log.
  });

  it('refuses a malformed key naming the header', async () => {
    const answer = await server.rest('POST', `${roomPath()}/tasks`, { body: { title: 'x' }, headers: { 'idempotency-key': 'a b' } });
    expect([answer.status, answer.body.error.field]).toEqual([400, 'Idempotency-Key']);
  });
});

describe('REST errors', () => {
  it('400 names the field, in the body, the query and the path', async () => {
    const body = await server.rest('POST', `${roomPath()}/events`, { body: { content: { type: 'text', text: 7 } } });
    expect([body.status, body.body.error.field]).toEqual([400, 'content.text']);
    const query = await server.rest('GET', `${roomPath()}/events?limit=zero`);
    expect([query.status, query.body.error.field]).toEqual([400, 'limit']);
    const path = await server.rest('GET', '/rooms/has%20space');
    expect([path.status, path.body.error.field]).toEqual([400, 'roomId']);
    const json = await server.rest('POST', '/rooms', { body: '{"id": ' });
    expect([json.status, json.body.error.field]).toEqual([400, 'body']);
  });

  it('404 for unknown resources and paths, 405 with Allow for a wrong method', async () => {
    const room404 = await server.rest('GET', '/rooms/nope');
    expect([room404.status, room404.body.error.field]).toEqual([404, 'roomId']);
    const path404 = await server.rest('GET', '/nothing/here');
    expect([path404.status, path404.body.error.code]).toEqual([404, 'not_found']);
    const wrong = await server.rest('DELETE', '/rooms');
    expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'GET, POST']);
    expect(wrong.body.error.field).toBe('method');
  });

  it('409 for a state change the room cannot make', async () => {
    const { body } = await server.rest('POST', '/rooms', { body: {} });
    expect((await server.rest('POST', `/rooms/${body.room.id}/close`)).status).toBe(200);
    const paused = await server.rest('POST', `/rooms/${body.room.id}/pause`);
    expect([paused.status, paused.body.error.code]).toEqual([409, 'conflict']);
  });

  it('413 for a body over the limit, before anything is stored', async () => {
    const rooms = (await server.rest('GET', '/rooms?limit=1000')).body.rooms.length;
    const big = await server.rest('POST', '/rooms', { body: { metadata: { blob: 'x'.repeat(2 * 1024 * 1024) } } });
    expect([big.status, big.body.error.code, big.body.error.field]).toEqual([413, 'payload_too_large', 'body']);
    expect((await server.rest('GET', '/rooms?limit=1000')).body.rooms.length).toBe(rooms);
  });

  it('429 with Retry-After once a token passes its rate, other tokens unaffected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await server.rest('GET', '/channels', { token: SLOW })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await server.rest('GET', '/channels', { token: SLOW });
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await server.rest('GET', '/channels', { token: READ })).status).toBe(200);
  });
});

describe('REST tokens and scopes', () => {
  it('401 without a token or with a wrong one, on every route', async () => {
    for (const op of listOperations()) {
      const path = op.api!.http.path.replace(/\{[^}]+\}/g, 'x');
      for (const token of [null, 'wrong-token-0123456789']) {
        const answer = await server.rest(op.api!.http.method, path, { token });
        expect([answer.status, answer.body.error.code], op.name).toEqual([401, 'unauthorized']);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      }
    }
  });

  it('403 for a read token on every mutating call, and nothing is stored', async () => {
    const before = await eventCount();
    const mutating = listOperations().filter((op) => op.mutates);
    expect(mutating.length).toBeGreaterThan(20);
    for (const op of mutating) {
      const path = op.api!.http.path.replace('{roomId}', room.room.id).replace(/\{[^}]+\}/g, 'x');
      const answer = await server.rest(op.api!.http.method, path, { token: READ, body: op.api!.http.method === 'DELETE' ? undefined : { text: 'no' } });
      expect([answer.status, answer.body.error.code], op.name).toEqual([403, 'forbidden']);
    }
    expect(await eventCount()).toBe(before);
    // The same token reads.
    expect((await server.rest('GET', `${roomPath()}/events`, { token: READ })).status).toBe(200);
  });

  it('blocked events need the audit scope', async () => {
    const refused = await server.rest('GET', `${roomPath()}/events?audit=true`, { token: READ });
    expect([refused.status, refused.body.error.field]).toEqual([403, 'audit']);
    expect((await server.rest('GET', `${roomPath()}/events?audit=true`, { token: AUDIT })).status).toBe(200);
  });

  it('a token acting as a binding reads and writes only as that binding', async () => {
    await server.test.engine.call('sendEvent', { roomId: room.room.id, content: { type: 'text', text: 'internal note' }, visibility: 'internal' });
    const asVisitor = await server.rest('GET', `${roomPath()}/events?limit=1000`, { token: VISITOR });
    const texts = asVisitor.body.events.map((e: RoomEvent) => e.content.text);
    expect(texts).not.toContain('internal note');
    const asWriter = await server.rest('GET', `${roomPath()}/events?limit=1000`);
    expect(asWriter.body.events.map((e: RoomEvent) => e.content.text)).toContain('internal note');

    const sent = await server.rest('POST', `${roomPath()}/messages`, { token: VISITOR, body: { text: 'from the visitor' } });
    expect(sent.body.event.source.bindingId).toBe(room.b['visitor-1']!.id);
    const other = await server.rest('POST', '/rooms', { body: {} });
    const elsewhere = await server.rest('POST', `/rooms/${other.body.room.id}/messages`, { token: VISITOR, body: { text: 'x' } });
    expect([elsewhere.status, elsewhere.body.error.field]).toEqual([403, 'roomId']);
    const impersonate = await server.rest('POST', `${roomPath()}/messages`, { token: VISITOR, body: { text: 'x', bindingId: room.b['agent-1']!.id } });
    expect([impersonate.status, impersonate.body.error.field]).toEqual([403, 'bindingId']);
    expect((await server.rest('GET', '/rooms', { token: VISITOR })).status).toBe(403);
    expect((await server.rest('POST', `${roomPath()}/bindings/${room.b['visitor-1']!.id}/unmute`, { token: VISITOR })).status).toBe(403);
  });

  it('a token acting as a binding reads the room as a participant is shown it: no addresses, metadata or provider payloads of others', async () => {
    const engine = server.test.engine;
    const customer = room.b['+15550001']!.id;
    await engine.call('updateBinding', { bindingId: customer, metadata: { displayName: 'Sam', crmNote: 'chargeback risk' } });
    await engine.call('updateRoomMetadata', { roomId: room.room.id, metadata: { internalPriority: 'vip-escalated' } });
    const accepted = await inbound(engine, { from: '+15550001', text: 'my card ends 4242', roomId: room.room.id });

    const asVisitor = await server.rest('GET', roomPath(), { token: VISITOR });
    expect(asVisitor.status).toBe(200);
    expect(asVisitor.body.room.metadata).toEqual({});
    const seen = new Map((asVisitor.body.bindings as Binding[]).map((b) => [b.id, b]));
    expect(seen.get(customer)).toMatchObject({ address: '', identityId: null, metadata: { displayName: 'Sam' }, channelType: 'sms' });
    expect(seen.get(room.b['visitor-1']!.id)!.address).toBe(room.b['visitor-1']!.address);
    const mcp = await server.mcp(VISITOR);
    const resource = await mcp.readResource({ uri: `roomwire://rooms/${room.room.id}` });
    expect((resource.contents[0] as { text: string }).text).not.toMatch(/chargeback|vip-escalated|\+15550001/);

    const events = (await server.rest('GET', `${roomPath()}/events?limit=1000`, { token: VISITOR })).body.events as RoomEvent[];
    expect(events.find((e) => e.id === accepted.eventId)).toMatchObject({ content: { text: 'my card ends 4242' }, source: { raw: null, identityId: null } });
    // Staff read it all, as before.
    const asStaff = await server.rest('GET', roomPath());
    expect(JSON.stringify(asStaff.body)).toMatch(/chargeback risk/);
    expect((await server.rest('GET', `${roomPath()}/events?limit=1000`)).body.events.find((e: RoomEvent) => e.id === accepted.eventId).source.raw).not.toBeNull();
  });

  it('keeps the older /operations alias on the same rules', async () => {
    const listed = await server.rest('GET', '/operations', { token: READ });
    expect(listed.body.operations.map((o: { name: string }) => o.name)).toContain('sendMessage');
    const refused = await server.rest('POST', '/operations/sendMessage', { token: READ, body: { roomId: room.room.id, text: 'x' } });
    expect(refused.status).toBe(403);
    const sent = await server.rest('POST', '/operations/sendMessage', { body: { roomId: room.room.id, text: 'alias' } });
    expect(sent.status).toBe(200);
  });
});
