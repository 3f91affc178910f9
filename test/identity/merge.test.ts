// DESIGN.md section 10: mergeIdentities(source, destination) — one transaction; addresses of
// channel types the destination lacks move (last in its preference order), conflicting ones stay
// as aliases; bindings and future events point to the destination; empty fields are filled; the
// source is marked mergedInto and resolves to the destination; an `identity` event in every
// affected room and an on_identity hook; idempotent; refuses cycles; follows chains.
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, SqliteStore, type HookContext, type Identity, type RoomEvent, type WriteSet } from '../../runtime/src';
import { cleanupAll, createRoom, messages, query, rejection, send, tempDir, timeline, until } from '../runtime/support/engine';
import { auditTimeline, closeServers, identityEvents, identityOf, openIdentityEngine, roomOf } from './support';

afterEach(async () => {
  await cleanupAll();
  await closeServers();
});

interface MergeOutput {
  identity: Identity;
  merged: boolean;
  sourceId: string;
  destinationId: string;
  moved: { channelType: string; address: string }[];
  aliases: { channelType: string; address: string }[];
  roomIds: string[];
}

type T = Awaited<ReturnType<typeof openIdentityEngine>>;
const merge = (t: T, source: unknown, destination: unknown) => t.engine.call<MergeOutput>('mergeIdentities', { source, destination });
const create = (t: T, input: Record<string, unknown>) => t.engine.call<Identity>('createIdentity', input);
const get = (t: T, identityId: string) => t.engine.call<Identity>('getIdentity', { identityId });

describe('addresses and fields', () => {
  it('addresses of channel types the destination lacks move, last in its order; conflicting ones become aliases that still resolve to it', async () => {
    const t = await openIdentityEngine();
    const destination = await create(t, {
      displayName: 'Ada',
      addresses: [
        { channelType: 'sms', address: '+15550100030' },
        { channelType: 'webchat', address: 'session-ada' },
      ],
    });
    const source = await create(t, {
      addresses: [
        { channelType: 'whatsapp', address: '+15550100031' },
        { channelType: 'sms', address: '+15550100032' },
        { channelType: 'email', address: 'ada@example.org' },
      ],
    });
    const result = await merge(t, source.id, destination.id);
    expect(result).toMatchObject({ merged: true, sourceId: source.id, destinationId: destination.id });
    expect(result.moved).toEqual([
      { channelType: 'whatsapp', address: '+15550100031' },
      { channelType: 'email', address: 'ada@example.org' },
    ]);
    expect(result.aliases).toEqual([{ channelType: 'sms', address: '+15550100032' }]);
    const after = await get(t, destination.id);
    expect(after.addresses).toEqual([
      { channelType: 'sms', address: '+15550100030' },
      { channelType: 'webchat', address: 'session-ada' },
      { channelType: 'whatsapp', address: '+15550100031' },
      { channelType: 'email', address: 'ada@example.org' },
    ]);
    expect(after.aliases).toEqual([{ channelType: 'sms', address: '+15550100032' }]);
    // Every address of the source, moved or aliased, resolves to the destination.
    for (const [type, address] of [
      ['whatsapp', '+15550100031'],
      ['sms', '+1 555 010 0032'],
      ['email', 'ADA@example.org'],
      ['sms', '+15550100030'],
    ]) {
      expect({ type, address, id: (await identityOf(t.engine, type!, address!))?.id }).toEqual({ type, address, id: destination.id });
    }
    const rows = await query<{ channel_type: string; address: string; identity_id: string }>(
      t.path,
      'SELECT channel_type, address, identity_id FROM identity_addresses ORDER BY channel_type, address',
    );
    expect(new Set(rows.map((r) => r.identity_id))).toEqual(new Set([destination.id]));
    expect(rows).toHaveLength(5);
  });

  it('empty optional fields of the destination are filled from the source; its own values win', async () => {
    const t = await openIdentityEngine();
    const destination = await create(t, { metadata: { plan: 'pro', shared: 'destination' } });
    const source = await create(t, { displayName: 'Grace Hopper', externalId: 'crm-42', metadata: { shared: 'source', vip: true } });
    await merge(t, source.id, destination.id);
    expect(await get(t, destination.id)).toMatchObject({
      id: destination.id,
      displayName: 'Grace Hopper',
      externalId: 'crm-42',
      metadata: { plan: 'pro', shared: 'destination', vip: true },
      mergedInto: null,
    });
    const named = await create(t, { displayName: 'Kept', externalId: 'crm-43' });
    const other = await create(t, { displayName: 'Dropped', externalId: 'crm-44' });
    await merge(t, other.id, named.id);
    expect(await get(t, named.id)).toMatchObject({ displayName: 'Kept', externalId: 'crm-43' });
    // The external ids of both lead to the survivor.
    expect((await t.engine.call<{ identity: Identity }>('lookupIdentity', { externalId: 'crm-42' })).identity!.id).toBe(destination.id);
    expect((await t.engine.call<{ identity: Identity }>('lookupIdentity', { externalId: 'crm-44' })).identity!.id).toBe(named.id);
  });

  it('the source is marked mergedInto and resolves to the destination afterwards', async () => {
    const t = await openIdentityEngine();
    const destination = await create(t, { addresses: [{ channelType: 'sms', address: '+15550100033' }] });
    const source = await create(t, { addresses: [{ channelType: 'whatsapp', address: '+15550100033' }] });
    await merge(t, source.id, destination.id);
    const [row] = await query<{ data: string }>(t.path, 'SELECT data FROM identities WHERE id = ?', [source.id]);
    expect(JSON.parse(row!.data)).toMatchObject({ id: source.id, mergedInto: destination.id });
    expect((await get(t, source.id)).id).toBe(destination.id);
    // A new room for the source's address binds the destination.
    const { b } = await createRoom(t.engine, [{ channelId: 'wa', address: '+15550100033' }]);
    expect(b['+15550100033']!.identityId).toBe(destination.id);
    // Linking to or updating the source changes the destination.
    await t.engine.call('updateIdentity', { identityId: source.id, displayName: 'via the old id' });
    expect((await get(t, destination.id)).displayName).toBe('via the old id');
  });
});

describe('bindings, events and hooks', () => {
  it("re-points the source's bindings in every room, records an identity event in each open one, and future events carry the destination", async () => {
    const t = await openIdentityEngine();
    const destination = await create(t, { displayName: 'Dest', addresses: [{ channelType: 'sms', address: '+15550100040' }] });
    const one = await createRoom(t.engine, [{ channelId: 'wa', address: '+15550100041' }, { channelId: 'console', address: 'agent' }]);
    const two = await createRoom(t.engine, [{ channelId: 'web', address: 'visitor-41' }, { channelId: 'wa', address: '+15550100041' }]);
    const closed = await createRoom(t.engine, [{ channelId: 'wa', address: '+15550100041' }]);
    const untouched = await createRoom(t.engine, [{ channelId: 'sms', address: '+15550100040' }]);
    await t.engine.call('closeRoom', { roomId: closed.room.id });
    const sourceId = one.b['+15550100041']!.identityId!;
    const webIdentity = two.b['visitor-41']!.identityId!;
    const before = await send(t.engine, one.room.id, { bindingId: one.b['+15550100041']!.id, text: 'before' });
    expect(before.source.identityId).toBe(sourceId);
    const closedLatest = (await roomOf(t.engine, closed.room.id)).room.latestIndex;

    const seen: HookContext[] = [];
    t.engine.registerHook({ name: 'global', trigger: 'on_identity' }, (c) => void seen.push(c));
    t.engine.registerHook({ name: 'in-two', trigger: 'on_identity', roomId: two.room.id }, (c) => void seen.push(c));
    t.engine.registerHook({ name: 'in-untouched', trigger: 'on_identity', roomId: untouched.room.id }, (c) => void seen.push(c));
    const notified: RoomEvent[] = [];
    t.engine.subscribe((n) => n.kind === 'event' && n.event.type === 'identity' && notified.push(n.event));

    const result = await merge(t, sourceId, destination.id);
    expect(result.roomIds.sort()).toEqual([one.room.id, two.room.id, closed.room.id].sort());

    for (const room of [one, two, closed]) {
      const { bindings } = await roomOf(t.engine, room.room.id);
      expect(bindings.find((x) => x.address === '+15550100041')!.identityId).toBe(destination.id);
    }
    // Other participants keep their identity.
    expect((await roomOf(t.engine, two.room.id)).bindings.find((x) => x.address === 'visitor-41')!.identityId).toBe(webIdentity);
    const [row] = await query<{ n: number }>(t.path, 'SELECT count(*) AS n FROM bindings WHERE identity_id = ?', [sourceId]);
    expect(row!.n).toBe(0);

    for (const room of [one, two]) {
      const events = identityEvents(await auditTimeline(t.engine, room.room.id));
      expect(events).toEqual([
        expect.objectContaining({
          type: 'identity',
          visibility: 'internal',
          content: { type: 'system', text: `${sourceId} merged into Dest`, code: 'identity.merged' },
          metadata: { change: 'merged', sourceId, destinationId: destination.id, bindingIds: [room.b['+15550100041']!.id] },
        }),
      ]);
    }
    // A closed room takes no new events; an unaffected room records nothing.
    expect((await roomOf(t.engine, closed.room.id)).room.latestIndex).toBe(closedLatest);
    expect(identityEvents(await auditTimeline(t.engine, closed.room.id))).toEqual([]);
    expect(identityEvents(await auditTimeline(t.engine, untouched.room.id))).toEqual([]);
    expect(notified.map((e) => e.roomId).sort()).toEqual([one.room.id, two.room.id].sort());
    // Indexes stay gapless.
    for (const room of [one, two]) {
      const audit = await auditTimeline(t.engine, room.room.id);
      expect(audit.map((e) => e.index)).toEqual(audit.map((_, i) => i));
    }

    await until(() => seen.length >= 2, 'the merged hooks');
    expect(seen.map((c) => [c.hook, c.room?.id ?? null, c.detail?.change]).sort()).toEqual(
      [
        ['global', null, 'merged'],
        ['in-two', two.room.id, 'merged'],
      ].sort(),
    );
    expect(seen[0]!.detail).toMatchObject({ sourceId, destinationId: destination.id, identity: { id: destination.id } });

    // Future events of the (former) source's bindings carry the destination.
    const afterEvent = await send(t.engine, one.room.id, { bindingId: one.b['+15550100041']!.id, text: 'after' });
    expect(afterEvent.source.identityId).toBe(destination.id);
    const viaInbound = await t.inboundOn('wa', { from: '+15550100041', roomId: two.room.id, text: 'inbound after' });
    const inbound = messages(await timeline(t.engine, two.room.id)).find((e) => e.id === viaInbound.eventId)!;
    expect(inbound.source.identityId).toBe(destination.id);
    // The merged person's rooms, from either id.
    const rooms = await t.engine.call<{ rooms: { room: { id: string } }[] }>('listIdentityRooms', { identityId: sourceId });
    expect(rooms.rooms.map((r) => r.room.id).sort()).toEqual([one.room.id, two.room.id, closed.room.id, untouched.room.id].sort());
  });

  it('merging by addresses and by external id, as the node does', async () => {
    const t = await openIdentityEngine();
    const { b } = await createRoom(t.engine, [{ channelId: 'sms', address: '+15550100042' }, { channelId: 'wa', address: '+15550100043' }]);
    const result = await merge(t, { channelType: 'whatsapp', address: 'whatsapp:+1 555 010 0043' }, { channelType: 'sms', address: '+15550100042' });
    expect(result).toMatchObject({ merged: true, sourceId: b['+15550100043']!.identityId, destinationId: b['+15550100042']!.identityId });
    await t.engine.call('updateIdentity', { identityId: result.destinationId, externalId: 'crm-100' });
    const third = await create(t, { externalId: 'crm-101' });
    expect(await merge(t, { externalId: 'crm-101' }, { externalId: 'crm-100' })).toMatchObject({ merged: true, sourceId: third.id });
    expect(await rejection(merge(t, { channelType: 'sms', address: '+15559999999' }, result.destinationId))).toMatchObject({
      code: 'not_found',
      field: 'source.address',
    });
    expect(await rejection(merge(t, result.destinationId, { externalId: 'nobody' }))).toMatchObject({ code: 'not_found', field: 'destination.externalId' });
    expect(await rejection(merge(t, 'idn_missing', result.destinationId))).toMatchObject({ code: 'not_found', field: 'source' });
  });
});

describe('idempotency, cycles and chains', () => {
  it('merging again changes nothing and records nothing', async () => {
    const t = await openIdentityEngine();
    const { room, b } = await createRoom(t.engine, [{ channelId: 'sms', address: '+15550100050' }, { channelId: 'wa', address: '+15550100051' }]);
    const source = b['+15550100051']!.identityId!;
    const destination = b['+15550100050']!.identityId!;
    const first = await merge(t, source, destination);
    const latest = (await roomOf(t.engine, room.id)).room.latestIndex;
    const rows = await query(t.path, 'SELECT data FROM identities ORDER BY id');
    for (const again of [
      await merge(t, source, destination),
      await merge(t, { channelType: 'whatsapp', address: '+15550100051' }, { channelType: 'sms', address: '+15550100050' }),
    ]) {
      expect(again).toMatchObject({ merged: false, sourceId: destination, destinationId: destination, roomIds: [] });
      expect(again.identity).toEqual(first.identity);
    }
    expect((await roomOf(t.engine, room.id)).room.latestIndex).toBe(latest);
    expect(await query(t.path, 'SELECT data FROM identities ORDER BY id')).toEqual(rows);
  });

  it('refuses a self-merge and a cycle, storing nothing', async () => {
    const t = await openIdentityEngine();
    const a = await create(t, { addresses: [{ channelType: 'sms', address: '+15550100052' }] });
    const b = await create(t, { addresses: [{ channelType: 'whatsapp', address: '+15550100052' }] });
    expect(await rejection(merge(t, a.id, a.id))).toMatchObject({ code: 'invalid_input', field: 'destination' });
    await merge(t, a.id, b.id);
    const c = await create(t, {});
    await merge(t, c.id, b.id);
    const rows = await query(t.path, 'SELECT data FROM identities ORDER BY id');
    const cycle = await rejection(merge(t, b.id, a.id));
    expect(cycle).toMatchObject({ code: 'conflict', field: 'destination', httpStatus: 409 });
    expect(cycle.message).toMatch(/cycle/);
    expect(await rejection(merge(t, b.id, c.id))).toMatchObject({ code: 'conflict' });
    expect(await query(t.path, 'SELECT data FROM identities ORDER BY id')).toEqual(rows);
  });

  it('follows the chain: an already-merged source merges its survivor; an already-merged destination means its survivor', async () => {
    const t = await openIdentityEngine();
    const a = await create(t, { displayName: 'A', addresses: [{ channelType: 'sms', address: '+15550100053' }] });
    const b = await create(t, { addresses: [{ channelType: 'whatsapp', address: '+15550100054' }] });
    const c = await create(t, { addresses: [{ channelType: 'email', address: 'c@example.org' }] });
    const d = await create(t, { addresses: [{ channelType: 'webchat', address: 'd-session' }] });
    await merge(t, a.id, b.id); // a → b
    const viaChain = await merge(t, a.id, c.id); // a is merged: b (its survivor) merges into c
    expect(viaChain).toMatchObject({ merged: true, sourceId: b.id, destinationId: c.id });
    await merge(t, d.id, a.id); // a resolves to c: d merges into c
    const survivor = await get(t, a.id);
    expect(survivor.id).toBe(c.id);
    expect(survivor.displayName).toBe('A');
    // c's own first, then b's (whatsapp, then sms moved from a), then d's.
    expect(survivor.addresses.map((x) => x.channelType)).toEqual(['email', 'whatsapp', 'sms', 'webchat']);
    for (const id of [a.id, b.id, d.id]) expect((await get(t, id)).id).toBe(c.id);
    // Bindings made while each was separate all count as c's rooms.
    const { room } = await createRoom(t.engine, [{ channelId: 'web', address: 'd-session' }]);
    const listed = await t.engine.call<{ identity: Identity; rooms: { room: { id: string } }[] }>('listIdentityRooms', { identityId: d.id });
    expect(listed.identity.id).toBe(c.id);
    expect(listed.rooms.map((r) => r.room.id)).toEqual([room.id]);
  });
});

describe('concurrency and the single transaction', () => {
  it('concurrent opposite merges: one wins, the other is refused as a cycle or finds them merged', async () => {
    const t = await openIdentityEngine();
    const a = await create(t, { addresses: [{ channelType: 'sms', address: '+15550100060' }] });
    const b = await create(t, { addresses: [{ channelType: 'whatsapp', address: '+15550100060' }] });
    const outcomes = await Promise.allSettled([merge(t, a.id, b.id), merge(t, b.id, a.id)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const a2 = await get(t, a.id);
    const b2 = await get(t, b.id);
    expect(a2.id).toBe(b2.id);
  });

  it('merges racing inbound traffic into the rooms they re-point: every message lands once, in order, indexes gapless, bindings consistent', async () => {
    const t = await openIdentityEngine();
    const destination = await create(t, { displayName: 'D', addresses: [{ channelType: 'email', address: 'd@example.org' }] });
    const phones = ['+15550100070', '+15550100071', '+15550100072', '+15550100073'];
    const rooms = [];
    for (const phone of phones) rooms.push(await createRoom(t.engine, [{ channelId: 'sms', address: phone }, { channelId: 'console', address: 'agent' }]));
    const visitor = await create(t, { addresses: [{ channelType: 'webchat', address: 'visitor-70' }] });
    const traffic: Promise<unknown>[] = [];
    const opened: Promise<{ b: Record<string, { identityId: string | null }> }>[] = [];
    for (let n = 0; n < 20; n++) {
      phones.forEach((phone, i) => traffic.push(t.inboundOn('sms', { from: phone, text: `m${n}`, id: `p-${i}-${n}` })));
      if (n === 5) for (const phone of phones) traffic.push(merge(t, { channelType: 'sms', address: phone }, destination.id));
      if (n === 8) {
        // Rooms opened for a source's address while its merge is under way end up with the destination too.
        traffic.push(merge(t, visitor.id, destination.id));
        for (let k = 0; k < 3; k++) opened.push(createRoom(t.engine, [{ channelId: 'web', address: 'visitor-70' }]));
      }
      if (n === 10) traffic.push(merge(t, { channelType: 'sms', address: phones[0] }, destination.id));
    }
    await Promise.all([...traffic, ...opened]);
    await t.engine.idle();
    for (const { room } of rooms) {
      const audit = await auditTimeline(t.engine, room.id);
      expect(audit.map((e) => e.index)).toEqual(audit.map((_, k) => k));
      expect(messages(audit).map((e) => e.content.text)).toEqual(Array.from({ length: 20 }, (_, n) => `m${n}`));
      const records = identityEvents(audit);
      expect(records).toHaveLength(1);
      // Every message after the merge's record carries the destination; none before it does.
      for (const e of messages(audit)) expect(e.source.identityId === destination.id).toBe(e.index > records[0]!.index);
    }
    for (const room of await Promise.all(opened)) expect(room.b['visitor-70']!.identityId).toBe(destination.id);
    const [stale] = await query<{ n: number }>(t.path, 'SELECT count(*) AS n FROM bindings WHERE identity_id IS NOT ?', [destination.id]);
    // Only the agent's console bindings belong to someone else.
    const [agents] = await query<{ n: number }>(t.path, "SELECT count(*) AS n FROM bindings WHERE channel_id = 'console'");
    expect(stale!.n).toBe(agents!.n);
    const survivor = await get(t, destination.id);
    // The first phone merged moved in (the destination had no sms); the later ones are aliases.
    expect(survivor.addresses).toHaveLength(3);
    expect(survivor.aliases).toHaveLength(3);
    expect([...survivor.addresses, ...survivor.aliases].map((x) => x.address).sort()).toEqual([...phones, 'd@example.org', 'visitor-70'].sort());
    for (const phone of phones) expect((await identityOf(t.engine, 'sms', phone))!.id).toBe(destination.id);
  });

  it('a failed commit changes nothing anywhere (one transaction), and the merge can be retried', async () => {
    const dir = tempDir();
    const store = new SqliteStore(`${dir}/roomwire.db`);
    let failNext = false;
    const failing = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'commit') {
          return (writes: WriteSet) => {
            if (failNext && (writes.identities ?? []).some((i) => i.mergedInto)) {
              failNext = false;
              return Promise.reject(new Error('disk full'));
            }
            return target.commit(writes);
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const engine = await Engine.open({ store: failing });
    try {
      const t = { engine } as T;
      const { FlowProvider } = await import('../../runtime/src');
      await engine.registerChannel({ id: 'web', type: 'webchat', provider: new FlowProvider() });
      await engine.registerChannel({ id: 'mail', type: 'email', provider: new FlowProvider() });
      const one = await createRoom(engine, [{ channelId: 'web', address: 's1' }]);
      const two = await createRoom(engine, [{ channelId: 'web', address: 's1' }, { channelId: 'mail', address: 'x@example.org' }]);
      const source = one.b['s1']!.identityId!;
      const destination = two.b['x@example.org']!.identityId!;
      const identitiesBefore = await query(`${dir}/roomwire.db`, 'SELECT data FROM identities ORDER BY id');
      const bindingsBefore = await query(`${dir}/roomwire.db`, 'SELECT data FROM bindings ORDER BY id');
      failNext = true;
      await expect(merge(t, source, destination)).rejects.toThrow('disk full');
      expect(await query(`${dir}/roomwire.db`, 'SELECT data FROM identities ORDER BY id')).toEqual(identitiesBefore);
      expect(await query(`${dir}/roomwire.db`, 'SELECT data FROM bindings ORDER BY id')).toEqual(bindingsBefore);
      for (const room of [one, two]) {
        expect(identityEvents(await auditTimeline(engine, room.room.id))).toEqual([]);
        // The in-memory room state was dropped with the failed write: reads and writes see the store.
        expect((await roomOf(engine, room.room.id)).bindings.find((x) => x.address === 's1')!.identityId).toBe(source);
        const event = await send(engine, room.room.id, { bindingId: room.b['s1']!.id, text: 'still me' });
        expect(event.source.identityId).toBe(source);
      }
      // A new binding made now is not pointed at the destination of the failed merge.
      const three = await createRoom(engine, [{ channelId: 'web', address: 's1' }]);
      expect(three.b['s1']!.identityId).toBe(source);
      const retried = await merge(t, source, destination);
      expect(retried.roomIds.sort()).toEqual([one.room.id, two.room.id, three.room.id].sort());
      for (const room of [one, two, three]) {
        const audit = await auditTimeline(engine, room.room.id);
        expect(audit.map((e) => e.index)).toEqual(audit.map((_, k) => k));
        expect(identityEvents(audit)).toHaveLength(1);
      }
    } finally {
      await engine.close();
    }
  });
});
