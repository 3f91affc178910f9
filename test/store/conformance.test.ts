// The store's rules, run the same on SQLite and PostgreSQL (DESIGN.md section 13): correctness
// rests on the store, not on the process, so every rule is checked through the Store interface
// with two stores (or two engines) on one database where the rule is about several writers.
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Engine, SqliteStore, type Delivery, type Notification, type Store } from '../../runtime/src';
import { AcceptingProvider } from '../delivery/support/harness';
import { Leases } from '../../runtime/src/store/leases';
import type { Timer } from '../../runtime/src/timers/types';
import { cleanupAll, createRoom, send, tempDir, timeline, until } from '../runtime/support/engine';
import { binding, messageWrites, room, statusWrites } from '../runtime/support/write-sets';
import { LATEST_DELIVERY_LOOKBACK_EVENTS } from '../../runtime/src/store/room-deliveries';
import pg from 'pg';
import { connectionConfig } from '../../runtime/src/store/postgres/connection';
import { POSTGRES_URL, dropSchema, freshSchema, pgQuery, postgresAvailable, postgresStore } from '../support/postgres';

interface Kind {
  name: string;
  /** A new, empty database; `again()` opens another store on the same one. */
  open(): Promise<{ store: Store; again(): Promise<Store> }>;
}

const opened: Store[] = [];
const schemas: string[] = [];

async function track<S extends Store>(store: S): Promise<S> {
  await store.open();
  opened.push(store);
  return store;
}

const sqlite: Kind = {
  name: 'SQLite',
  async open() {
    const path = join(tempDir(), 'conformance.sqlite');
    return { store: await track(new SqliteStore(path)), again: () => track(new SqliteStore(path)) };
  },
};

// Typed by what it opens, not only as a Kind: the PostgreSQL-only tests below use its schema and its
// PostgresStore (the change feed's channel).
const postgres = {
  name: 'PostgreSQL',
  async open() {
    const schema = freshSchema();
    schemas.push(schema);
    return { schema, store: await track(postgresStore(schema)), again: () => track(postgresStore(schema)) };
  },
} satisfies Kind;

const withPostgres = await postgresAvailable();
const kinds = withPostgres ? [sqlite, postgres] : [sqlite];

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close().catch(() => undefined);
  await cleanupAll();
});
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 'committed',
    (error: { code?: string }) => error.code ?? String(error),
  );

describe.each(kinds)('the $name store', (kind) => {
  it('applies the expected room version as a compare-and-set: a stale write set is refused alone, the rest of its batch commits', async () => {
    const { store } = await kind.open();
    await store.commit({ ...messageWrites('r1', 0, 'e0'), expect: [{ roomId: 'r1', version: null }] });
    const results = await Promise.all([
      outcome(store.commit({ ...messageWrites('r1', 1, 'e1'), expect: [{ roomId: 'r1', version: 1 }] })),
      // Computed from the same state as e1: refused, never stored with a gap or over e1.
      outcome(store.commit({ ...messageWrites('r1', 1, 'e1-stale'), expect: [{ roomId: 'r1', version: 1 }] })),
      outcome(store.commit({ ...messageWrites('r2', 0, 'f0'), expect: [{ roomId: 'r2', version: null }] })),
      // A room that is already stored cannot be created again.
      outcome(store.commit({ ...messageWrites('r1', 0, 'e0-again'), expect: [{ roomId: 'r1', version: null }] })),
    ]);
    expect(results).toEqual(['committed', 'conflict', 'committed', 'conflict']);
    expect((await store.listEvents('r1', {})).map((e) => e.id)).toEqual(['e0', 'e1']);
    expect((await store.getRoom('r1'))?.latestIndex).toBe(1);
  });

  it('decides idempotency with unique constraints: a second event with the key or provider message id is refused', async () => {
    const { store } = await kind.open();
    await store.commit(messageWrites('r1', 0, 'e0', { idempotencyKey: 'k', providerMessageId: 'SM1' }));
    expect(await outcome(store.commit(messageWrites('r1', 1, 'e1', { idempotencyKey: 'k' })))).toBe('conflict');
    expect(await outcome(store.commit(messageWrites('r2', 0, 'f0', { providerMessageId: 'SM1' })))).toBe('conflict');
    expect(await outcome(store.commit(messageWrites('r2', 0, 'f0', { providerMessageId: 'SM1', channelId: 'whatsapp' })))).toBe('committed');
    expect((await store.findEventByIdempotencyKey('r1', 'k'))?.id).toBe('e0');
  });

  it('keeps agent sessions for every store on the database until they expire or sign out, per inbox', async () => {
    const db = await kind.open();
    const other = await db.again();
    const session = { scope: '/roomwire', idHash: 'h1', user: 'ana', csrf: 'c1', expiresAt: 2_000 };
    await db.store.putAgentSession(session);
    await db.store.putAgentSession({ ...session, idHash: 'h2', user: 'ben', expiresAt: 5_000 });
    // Another store on the same database (another instance, or after a restart) finds it.
    expect(await other.getAgentSession('/roomwire', 'h1', 1_000)).toEqual(session);
    expect(await other.getAgentSession('/other', 'h1', 1_000)).toBeNull();
    // Expired: not found, and swept.
    expect(await other.getAgentSession('/roomwire', 'h1', 2_000)).toBeNull();
    expect(await db.store.deleteExpiredAgentSessions(2_000)).toBe(1);
    expect(await other.getAgentSession('/roomwire', 'h2', 2_000)).toMatchObject({ user: 'ben' });
    // Sign-out ends it everywhere.
    await other.deleteAgentSession('/roomwire', 'h2');
    expect(await db.store.getAgentSession('/roomwire', 'h2', 2_000)).toBeNull();
  });

  it('a write set a unique constraint refuses fails alone: the others of its transaction commit', async () => {
    const { store } = await kind.open();
    await store.commit(messageWrites('r1', 0, 'e0', { providerMessageId: 'SM1' }));
    // Queued behind a commit under way, the next three share one transaction.
    const blocker = store.commit({ rooms: [room('blocker')] });
    const outcomes = await Promise.all([
      outcome(store.commit(messageWrites('r2', 0, 'f0'))),
      outcome(store.commit(messageWrites('r3', 0, 'g0', { providerMessageId: 'SM1' }))),
      outcome(store.commit(messageWrites('r4', 0, 'h0'))),
    ]);
    await blocker;
    expect(outcomes).toEqual(['committed', 'conflict', 'committed']);
    expect((await store.getEvent('f0'))?.index).toBe(0);
    expect(await store.getEvent('g0')).toBeNull();
    expect(await store.getRoom('r3')).toBeNull();
    expect(await store.listDeliveriesForEvent('g0')).toEqual([]);
    expect((await store.getEvent('h0'))?.index).toBe(0);
  });

  it('a row refused in the first chunk of a large batch fails only its write set, after every later chunk has been written and rolled back', async () => {
    const { store } = await kind.open();
    await store.commit(messageWrites('taken', 0, 'e0', { providerMessageId: 'SM1' }));
    const blocker = store.commit({ rooms: [room('blocker')] });
    // 2,600 rooms: on SQLite six chunks of events and eleven of deliveries (512 rows each); the
    // refused event is in the first chunk.
    const writers = Array.from({ length: 2600 }, (_, i) =>
      outcome(store.commit(messageWrites(`r${i}`, 0, `ev${i}`, i === 1 ? { providerMessageId: 'SM1' } : {}))),
    );
    await blocker;
    const outcomes = await Promise.all(writers);
    expect(outcomes.filter((o) => o === 'committed')).toHaveLength(2599);
    expect(outcomes[1]).toBe('conflict');
    expect(await store.getEvent('ev1')).toBeNull();
    expect(await store.getRoom('r1')).toBeNull();
    for (const i of [0, 2, 2047, 2048, 2599]) expect((await store.getEvent(`ev${i}`))?.index).toBe(0);
    expect(await store.listDeliveriesForEvent('ev2599')).toHaveLength(messageWrites('x', 0, 'x').deliveries!.length);
  });

  it('reads every record back as it was written, whatever its text and numbers, with its lookup columns filled from it', async () => {
    const { store } = await kind.open();
    const writes = messageWrites('r1', 0, 'e0', { providerMessageId: 'SM"1\\', idempotencyKey: "it's \u2028 é" });
    const event = writes.events![0]!;
    event.content = { type: 'text', text: 'quotes " and \\ backslashes, a tab\t, a line separator \u2028, é, 日本, 🙂, a lone \ud800 half' };
    event.metadata = { float: 0.1, negative: -42, big: Number.MAX_SAFE_INTEGER, tiny: 5e-324, huge: 1e21, none: null, yes: true, 'a.b': { "it's": [[], {}, ''] } };
    await store.commit(writes);
    expect(await store.getEvent('e0')).toEqual(event);
    expect(await store.findEventByIdempotencyKey('r1', "it's \u2028 é")).toEqual(event);
    expect(await store.findEventByProviderMessageId('sms', 'SM"1\\')).toEqual(event);
    expect(await store.getRoom('r1')).toEqual(writes.rooms![0]);
    expect(await store.listDeliveriesForEvent('e0')).toEqual(writes.deliveries);
  });

  it('moves a delivery status only forward, whatever order the updates arrive in', async () => {
    const { store } = await kind.open();
    const writes = messageWrites('r1', 0, 'e0');
    await store.commit(writes);
    const delivery = writes.deliveries![0]!;
    await store.commit(statusWrites(delivery, 'delivered'));
    await store.commit(statusWrites(delivery, 'sent'));
    expect((await store.getDelivery(delivery.id))?.status).toBe('delivered');
    await store.commit(statusWrites(delivery, 'read'));
    await store.commit(statusWrites(delivery, 'failed'));
    expect((await store.getDelivery(delivery.id))?.status).toBe('read');
  });

  it('a status change stores only what a status moves (status, provider id, time, record), and never a delivery it does not find', async () => {
    const { store } = await kind.open();
    const writes = messageWrites('r1', 0, 'e0');
    await store.commit(writes);
    const delivery = writes.deliveries![0]!;
    const change = statusWrites(delivery, 'sent');
    change.deliveryStatuses![0]!.providerMessageId = 'SM42';
    await store.commit(change);
    expect(await store.findDeliveryByProviderMessageId(delivery.channelId, 'SM42')).toMatchObject({ id: delivery.id, status: 'sent', attempts: 1 });
    await store.commit(statusWrites({ ...delivery, id: 'never-stored' }, 'sent'));
    expect(await store.getDelivery('never-stored')).toBeNull();
  });

  it('claims each queued delivery for one engine until its lease lapses, then for another', async () => {
    const { store } = await kind.open();
    const a = new Leases('engine-a', 60_000);
    const writes = messageWrites('r1', 0, 'e0');
    await store.commit({ ...writes, lease: a.next() });
    // Held by a live lease: nobody else gets it.
    expect(await store.claimDeliveries(new Leases('engine-b').next(), 10)).toEqual([]);
    // Engine a stops renewing (it died): the lease lapses and engine b takes both, in index order.
    await store.renewDeliveryLeases({ owner: 'engine-a', until: Date.now() - 1 });
    const claimed = await store.claimDeliveries(new Leases('engine-b').next(), 10);
    expect(claimed.map((d: Delivery) => d.id).sort()).toEqual(writes.deliveries!.map((d) => d.id).sort());
    expect(await store.claimDeliveries(new Leases('engine-c').next(), 10)).toEqual([]);
    // A delivery that left `queued` is never claimed again.
    await store.commit(statusWrites(claimed[0]!, 'sent'));
    await store.renewDeliveryLeases({ owner: 'engine-b', until: Date.now() - 1 });
    expect((await store.claimDeliveries(new Leases('engine-c').next(), 10)).map((d) => d.id)).toEqual([claimed[1]!.id]);
  });

  it('claims a due timer once; firing it is refused when it was fired or re-armed elsewhere', async () => {
    const { store } = await kind.open();
    const timer: Timer = { id: 'room:r1:inactive', kind: 'room-inactive', roomId: 'r1', dueAt: 1000, payload: {} };
    await store.commit({ timers: [timer, { ...timer, id: 'later', dueAt: 5000 }] });
    expect(await store.nextTimerDueAt()).toBe(1000);
    const first = await store.claimDueTimers(2000, new Leases('engine-a').next(), 10);
    expect(first.map((t) => t.id)).toEqual([timer.id]);
    expect(await store.claimDueTimers(2000, new Leases('engine-b').next(), 10)).toEqual([]);
    await store.commit({ firedTimers: [{ id: timer.id, dueAt: 1000 }] });
    expect(await outcome(store.commit({ firedTimers: [{ id: timer.id, dueAt: 1000 }] }))).toBe('conflict');
    // Re-armed meanwhile: the firing computed from the old due time is refused.
    await store.commit({ timers: [{ ...timer, dueAt: 3000 }] });
    expect(await outcome(store.commit({ firedTimers: [{ id: timer.id, dueAt: 1000 }] }))).toBe('conflict');
    expect((await store.getTimer(timer.id))?.dueAt).toBe(3000);
  });

  it('never lets a second identity take over an address: its write set fails', async () => {
    const { store } = await kind.open();
    const identity = (id: string) => ({
      id,
      displayName: null,
      externalId: null,
      addresses: [{ channelType: 'sms', address: '+15550001' }],
      aliases: [],
      metadata: {},
      mergedInto: null,
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    });
    await store.commit({ identities: [identity('idn_a')] });
    expect(await outcome(store.commit({ identities: [identity('idn_b')] }))).toBe('conflict');
    expect((await store.findIdentityByAddress('sms', '+15550001'))?.id).toBe('idn_a');
    expect(await store.getIdentity('idn_b')).toBeNull();
  });

  it('pages rooms that share one updated time by (updated time, id): none skipped or repeated while rooms keep being written', async () => {
    const { store } = await kind.open();
    const burst = Array.from({ length: 45 }, (_, i) => room(`same-${String(i).padStart(2, '0')}`));
    await store.commit({ rooms: burst });
    let writes = 0;
    const seen: string[] = [];
    let after: { updatedAt: string; id: string } | undefined;
    for (;;) {
      // Rooms created meanwhile are newer: they land before the first page, never inside the walk.
      const at = `2030-01-01T00:00:00.${String(writes++).padStart(3, '0')}Z`;
      await store.commit({ rooms: [{ ...room(`new-${writes}`), updatedAt: at }] });
      // A room already walked past that is written again moves to the front: it does not come back.
      if (seen.length > 0) await store.commit({ rooms: [{ ...room(seen[0]!), updatedAt: at }] });
      const page = await store.listRooms({ limit: 4, after });
      seen.push(...page.map((r) => r.id));
      if (page.length < 4) break;
      after = page[page.length - 1]!;
    }
    const walked = seen.filter((id) => id.startsWith('same-'));
    expect(walked).toEqual(burst.map((r) => r.id).reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("lists a room's deliveries in event order by status and binding, a page at a time, and counts them by status", async () => {
    const { store } = await kind.open();
    for (let i = 0; i < 5; i++) await store.commit(messageWrites('r1', i, `e${i}`));
    await store.commit(messageWrites('r2', 0, 'other'));
    const queued = await store.listRoomDeliveries('r1', {});
    expect(queued.map((d) => d.id)).toEqual([0, 1, 2, 3, 4].flatMap((i) => [`e${i}-agent`, `e${i}-ai`]));
    await store.commit(statusWrites(queued.find((d) => d.id === 'e1-ai')!, 'failed'));
    await store.commit(statusWrites(queued.find((d) => d.id === 'e3-agent')!, 'delivered'));
    expect((await store.listRoomDeliveries('r1', { statuses: ['failed', 'delivered'] })).map((d) => d.id)).toEqual(['e1-ai', 'e3-agent']);
    expect((await store.listRoomDeliveries('r1', { bindingId: 'r1-agent' })).map((d) => d.id)).toEqual(['e0-agent', 'e1-agent', 'e2-agent', 'e3-agent', 'e4-agent']);
    const pages: string[] = [];
    let after: { eventIndex: number; id: string } | undefined;
    for (let page = await store.listRoomDeliveries('r1', { limit: 3 }); page.length > 0; page = await store.listRoomDeliveries('r1', { limit: 3, after })) {
      pages.push(...page.map((d) => d.id));
      after = page[page.length - 1]!;
    }
    expect(pages).toEqual(queued.map((d) => d.id));
    expect(await store.countRoomDeliveries('r1', {})).toEqual({ queued: 8, failed: 1, delivered: 1 });
    expect(await store.countRoomDeliveries('r1', { bindingId: 'r1-ai' })).toEqual({ queued: 4, failed: 1 });
    expect(await store.countRoomDeliveries('nowhere', {})).toEqual({});
  });

  it("finds a participant's latest delivery among its room's last 1,000 events: the newest event's, and of one event's the newest", async () => {
    const { store } = await kind.open();
    await store.commit({ bindings: [binding('r1', 'agent'), binding('r1', 'ai'), binding('r2', 'agent')] });
    await store.commit(messageWrites('r1', 0, 'e0'));
    await store.commit(messageWrites('r1', 1, 'e1'));
    await store.commit(messageWrites('r2', 0, 'other'));
    expect((await store.findLatestDeliveryForBinding('r1-agent'))?.id).toBe('e1-agent');
    expect((await store.findLatestDeliveryForBinding('r2-agent'))?.id).toBe('other-agent');
    const [replaced] = await store.listDeliveriesForEvent('e1');
    await store.commit({ deliveries: [{ ...replaced!, id: 'e1-agent-fallback', fallbackOf: replaced!.id }] });
    expect((await store.findLatestDeliveryForBinding('r1-agent'))?.id).toBe('e1-agent-fallback');
    expect(await store.findLatestDeliveryForBinding('nobody')).toBeNull();

    // Event 1 is the oldest of the last 1,000 while the room's newest index is 1,000, and out of them at 1,001.
    await store.commit({ rooms: [room('r1', LATEST_DELIVERY_LOOKBACK_EVENTS)] });
    expect((await store.findLatestDeliveryForBinding('r1-agent'))?.id).toBe('e1-agent-fallback');
    await store.commit({ rooms: [room('r1', LATEST_DELIVERY_LOOKBACK_EVENTS + 1)] });
    expect(await store.findLatestDeliveryForBinding('r1-agent')).toBeNull();
  });

  it('keeps an idempotency key for every engine on the database: one claim runs, the others read its answer until it expires', async () => {
    const db = await kind.open();
    const other = await db.again();
    expect(await db.store.claimIdempotencyKey('k1', 'print-a', 1000, 2000)).toBeNull();
    // Running: another engine sees the claim, not a second run.
    expect(await other.claimIdempotencyKey('k1', 'print-a', 1500, 2500)).toEqual({ fingerprint: 'print-a', answer: null });
    await db.store.completeIdempotencyKey('k1', { status: 200, body: { room: { id: 'r1' } } }, 10_000);
    expect(await other.claimIdempotencyKey('k1', 'print-b', 5000, 6000)).toEqual({ fingerprint: 'print-a', answer: { status: 200, body: { room: { id: 'r1' } } } });
    // Expired: claimed afresh, by whoever asks first.
    expect(await other.claimIdempotencyKey('k1', 'print-b', 10_000, 11_000)).toBeNull();
    expect(await db.store.claimIdempotencyKey('k1', 'print-b', 10_001, 11_001)).toEqual({ fingerprint: 'print-b', answer: null });
    // A released claim (the request failed) may run again; a completed key is not released.
    await other.releaseIdempotencyKey('k1');
    expect(await db.store.claimIdempotencyKey('k1', 'print-c', 10_002, 11_002)).toBeNull();
    await db.store.completeIdempotencyKey('k1', { status: 200, body: null }, 20_000);
    await db.store.releaseIdempotencyKey('k1');
    expect((await other.claimIdempotencyKey('k1', 'print-c', 10_003, 11_003))?.answer).toEqual({ status: 200, body: null });
  });

  it('lets exactly one of many simultaneous claims of a key run', async () => {
    const db = await kind.open();
    const stores = [db.store, await db.again()];
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2]!.claimIdempotencyKey('race', 'p', 1000, 2000)));
    expect(results.filter((r) => r === null)).toHaveLength(1);
  });

  it('two engines on one database writing one room at once: one gapless order, each engine\'s own events in call order', async () => {
    const db = await kind.open();
    const engines = [await Engine.open({ store: db.store }), await Engine.open({ store: await db.again() })];
    const { room: shared } = await createRoom(engines[0]!, []);
    const sent = await Promise.all(
      engines.map(async (engine, e) => {
        const indexes: number[] = [];
        for (let i = 0; i < 40; i++) indexes.push((await send(engine, shared.id, { text: `e${e}-${i}` })).index);
        return indexes;
      }),
    );
    for (const indexes of sent) expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    const events = await timeline(engines[1]!, shared.id, { audit: true, limit: 500 });
    expect(events.map((e) => e.index)).toEqual(events.map((_, i) => i));
    expect(events.filter((e) => e.type === 'message')).toHaveLength(80);
    for (const engine of engines) await engine.close();
  });
});

describe.skipIf(!withPostgres)('the PostgreSQL store with several writers', () => {
  it('a write set for a room another transaction holds is refused at once; the rest of its batch commits without waiting', async () => {
    const { schema, store } = await postgres.open();
    await store.commit({ ...messageWrites('r1', 0, 'e0'), expect: [{ roomId: 'r1', version: null }] });
    await store.commit({ ...messageWrites('r2', 0, 'f0'), expect: [{ roomId: 'r2', version: null }] });
    // Another engine's transaction, in the middle of writing r1.
    const other = new pg.Client(connectionConfig(POSTGRES_URL, schema));
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query("SELECT id FROM rooms WHERE id = 'r1' FOR UPDATE");
      const outcomes = await Promise.all([
        outcome(store.commit({ ...messageWrites('r1', 1, 'e1'), expect: [{ roomId: 'r1', version: 1 }] })),
        outcome(store.commit({ ...messageWrites('r2', 1, 'f1'), expect: [{ roomId: 'r2', version: 1 }] })),
      ]);
      expect(outcomes).toEqual(['conflict', 'committed']);
      expect(await store.getEvent('e1')).toBeNull();
      await other.query('COMMIT');
    } finally {
      await other.end();
    }
    // Once that transaction is over, the same write commits.
    expect(await outcome(store.commit({ ...messageWrites('r1', 1, 'e1'), expect: [{ roomId: 'r1', version: 1 }] }))).toBe('committed');
  });
});

describe.skipIf(!withPostgres)('the PostgreSQL change feed', () => {
  it('tells every other engine of every committed event once, in order; never the engine that wrote it', async () => {
    const db = await postgres.open();
    const writer = await Engine.open({ store: db.store });
    const reader = await Engine.open({ store: await db.again() });
    const heardByReader: string[] = [];
    const heardByWriter: string[] = [];
    reader.subscribe((n) => n.kind === 'event' && heardByReader.push(String(n.event.content.text ?? n.event.type)));
    writer.subscribe((n) => n.kind === 'event' && heardByWriter.push(String(n.event.content.text ?? n.event.type)));
    const { room: shared } = await createRoom(writer, []);
    for (let i = 0; i < 20; i++) await send(writer, shared.id, { text: `m${i}` });
    const expected = Array.from({ length: 20 }, (_, i) => `m${i}`);
    await until(() => heardByReader.filter((t) => t.startsWith('m')).length === 20, 'the reader hearing 20 events');
    expect(heardByReader.filter((t) => t.startsWith('m'))).toEqual(expected);
    expect(heardByWriter.filter((t) => t.startsWith('m'))).toEqual(expected);
    await writer.close();
    await reader.close();
  });

  /** Two engines on one database; the writer has a staff channel. */
  async function writerAndReader(): Promise<{ writer: Engine; reader: Engine }> {
    const db = await postgres.open();
    const writer = await Engine.open({ store: db.store });
    const reader = await Engine.open({ store: await db.again() });
    await writer.registerChannel({ id: 'console', type: 'console', provider: new AcceptingProvider() });
    return { writer, reader };
  }

  /** The notifications of one kind an engine emits from now on. */
  function heard(engine: Engine, kind: Notification['kind']): Notification[] {
    const notifications: Notification[] = [];
    engine.subscribe((n) => n.kind === kind && notifications.push(n));
    return notifications;
  }

  it('tells every other engine of every read horizon moved, once, as the engine that moved it emits it', async () => {
    const { writer, reader } = await writerAndReader();
    const [heardByReader, heardByWriter] = [heard(reader, 'read'), heard(writer, 'read')];
    const { room: shared, b } = await createRoom(writer, [{ channelId: 'console', address: 'agent-1' }]);
    for (let i = 0; i < 3; i++) await send(writer, shared.id, { text: `m${i}` });
    await writer.call('markRead', { bindingId: b['agent-1']!.id, index: 1 });
    await writer.call('markRead', { bindingId: b['agent-1']!.id, index: 2 });
    await until(() => heardByReader.length === 2, 'the reader hearing both read horizons');
    await reader.idle();
    expect(heardByReader).toEqual(heardByWriter);
    expect(heardByReader).toEqual([1, 2].map((index) => ({ kind: 'read', roomId: shared.id, bindingId: b['agent-1']!.id, lastReadIndex: index })));
    await writer.close();
    await reader.close();
  });

  it('tells every other engine of a participant typing, once; never the engine where it was typed', async () => {
    const { writer, reader } = await writerAndReader();
    const [heardByReader, heardByWriter] = [heard(reader, 'typing'), heard(writer, 'typing')];
    const { room: shared, b } = await createRoom(writer, [{ channelId: 'console', address: 'agent-1' }]);
    const agent = b['agent-1']!.id;
    await writer.call('setTyping', { bindingId: agent, typing: true });
    await writer.call('setTyping', { bindingId: agent, typing: false });
    await until(() => heardByReader.length === 2, 'the reader hearing both signals');
    // A notice sent after the signals has reached the reader: no other signal is on its way.
    let heardAfter = false;
    reader.subscribe((n) => n.kind === 'event' && n.event.content.text === 'after the signals' && (heardAfter = true));
    await send(writer, shared.id, { text: 'after the signals' });
    await until(() => heardAfter, 'the reader hearing the message sent after the signals');
    const expected = [true, false].map((on) => ({ kind: 'typing', roomId: shared.id, bindingId: agent, typing: on }));
    expect(heardByReader).toEqual(expected);
    expect(heardByWriter).toEqual(expected);
    await writer.close();
    await reader.close();
  });

  it('a listener whose connection was cut catches up from the log: every event committed meanwhile once, in order', async () => {
    const db = await postgres.open();
    const errors: unknown[] = [];
    const writer = await Engine.open({ store: db.store });
    const reader = await Engine.open({ store: await track(postgresStore(db.schema, { onError: (e) => errors.push(e) })) });
    const heard: string[] = [];
    reader.subscribe((n) => n.kind === 'event' && n.event.type === 'message' && heard.push(String(n.event.content.text)));
    const { room: shared } = await createRoom(writer, []);
    for (let i = 0; i < 10; i++) await send(writer, shared.id, { text: `m${i}` });
    await until(() => heard.length === 10, 'the reader hearing the first 10 events');

    // Every listener of this schema loses its connection mid-stream; the writer goes on at once.
    const cut = await pgQuery<{ cut: boolean }>(
      db.schema,
      `SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE query = $1`,
      [`LISTEN "${db.store.changes!.channel}"`],
    );
    expect(cut.length).toBeGreaterThanOrEqual(2);
    for (let i = 10; i < 30; i++) await send(writer, shared.id, { text: `m${i}` });
    await until(() => errors.length > 0, "the reader's listener reporting the lost connection");
    expect(heard.length).toBeLessThan(30);
    for (let i = 30; i < 40; i++) await send(writer, shared.id, { text: `m${i}` });

    const expected = Array.from({ length: 40 }, (_, i) => `m${i}`);
    await until(() => heard.length >= 40, 'the reader hearing all 40 events');
    await reader.idle();
    expect(heard).toEqual(expected);
    await writer.close();
    await reader.close();
  });

  it('announces every fallback step to the other engines once, as the engine that took it emits it', async () => {
    const db = await postgres.open();
    const writer = await Engine.open({ store: db.store });
    const reader = await Engine.open({ store: await db.again() });
    // Both channels refuse every send: sms falls back to rcs, then no channel is left.
    for (const id of ['sms', 'rcs']) {
      const provider = new AcceptingProvider();
      provider.failWith = 'rejected';
      await writer.registerChannel({ id, type: id, provider });
    }
    await writer.registerChannel({ id: 'console', type: 'console', provider: new AcceptingProvider() });
    const steps = (engine: Engine) => {
      const seen: Extract<Notification, { kind: 'fallback' }>[] = [];
      engine.subscribe((n) => n.kind === 'fallback' && seen.push(n));
      return seen;
    };
    const [byWriter, byReader] = [steps(writer), steps(reader)];
    const deliveryEvents: { correlationId: string | null }[] = [];
    reader.subscribe((n) => n.kind === 'delivery' && deliveryEvents.push(n.event));
    const { room: shared, b } = await createRoom(writer, [
      { channelId: 'console', address: 'agent' },
      { channelId: 'sms', address: '+15550001' },
    ]);
    await writer.call('setFallback', { bindingId: b['+15550001']!.id, fallback: { channels: ['rcs'], on: ['failed'] } });
    const event = await send(writer, shared.id, { text: 'your code is 1234', bindingId: b.agent!.id, correlationId: 'otp-1' });

    await until(() => byWriter.length === 2 && byReader.length === 2, 'both engines hearing both steps');
    const summary = (n: (typeof byWriter)[number]) => ({ eventId: n.eventId, from: n.from.channelId, reason: n.reason, step: n.step, to: n.to?.channelId ?? null });
    expect(byWriter.map(summary)).toEqual([
      { eventId: event.id, from: 'sms', reason: 'failed', step: 1, to: 'rcs' },
      { eventId: event.id, from: 'rcs', reason: 'failed', step: 2, to: null },
    ]);
    expect(byReader.map(summary)).toEqual(byWriter.map(summary));
    // Every delivery change the reader heard names the event's correlation id.
    expect(deliveryEvents.length).toBeGreaterThan(2);
    expect(deliveryEvents.every((e) => e.correlationId === 'otp-1')).toBe(true);
    await writer.idle();
    await reader.idle();
    expect(byReader).toHaveLength(2);
    await writer.close();
    await reader.close();
  });

  it('carries a notice over the 8,000-byte NOTIFY limit through its table', async () => {
    const db = await postgres.open();
    const other = await db.again();
    const heard: string[][] = [];
    other.changes!.subscribe((notice) => {
      if (!('resync' in notice)) heard.push(notice.sideEffects);
    });
    const effects = Array.from({ length: 400 }, (_, i) => ({
      id: `se_${String(i).padStart(30, '0')}`,
      roomId: 'r1',
      eventId: null,
      kind: 'observation' as const,
      data: {},
      producedBy: 'test',
      createdAt: '2025-01-01T00:00:00.000Z',
    }));
    await db.store.commit({ rooms: [room('r1')], sideEffects: effects });
    await until(() => heard.length === 1, 'the overflow notice');
    expect(heard[0]).toHaveLength(400);
  });
});
