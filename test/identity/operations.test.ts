// The identity operations of the operations table: create, get, look up (address or external id),
// update, link / unlink an address, list a person's rooms; and what the store keeps across a restart.
import { afterEach, describe, expect, it } from 'vitest';
import { listOperations, type Identity, type Room } from '../../runtime/src';
import { cleanupAll, createRoom, query, rejection, rowCounts } from '../runtime/support/engine';
import { closeServers, identityOf, openIdentityEngine } from './support';

afterEach(async () => {
  await cleanupAll();
  await closeServers();
});

type T = Awaited<ReturnType<typeof openIdentityEngine>>;
const create = (t: T, input: Record<string, unknown>) => t.engine.call<Identity>('createIdentity', input);

describe('identity operations', () => {
  it('are in the operations table (so REST and MCP get them), reads marked as reads', () => {
    const byName = new Map(listOperations().map((op) => [op.name, op]));
    for (const name of ['createIdentity', 'updateIdentity', 'linkAddress', 'unlinkAddress', 'mergeIdentities', 'rejoinBinding']) {
      expect(byName.get(name)?.mutates).toBe(true);
    }
    for (const name of ['getIdentity', 'lookupIdentity', 'listIdentityRooms']) expect(byName.get(name)?.mutates).toBe(false);
  });

  it('createIdentity normalises and de-duplicates addresses and refuses ones that belong to someone else', async () => {
    const t = await openIdentityEngine();
    const ada = await create(t, {
      displayName: 'Ada',
      externalId: 'crm-1',
      metadata: { tier: 'gold' },
      addresses: [
        { channelType: 'whatsapp', address: '+1 555 010 0090' },
        { channelType: 'sms', address: 'whatsapp:+15550100090' },
        { channelType: 'sms', address: '+15550100091' },
      ],
    });
    expect(ada).toMatchObject({
      id: expect.stringMatching(/^idn_/),
      displayName: 'Ada',
      externalId: 'crm-1',
      metadata: { tier: 'gold' },
      addresses: [
        { channelType: 'whatsapp', address: '+15550100090' },
        { channelType: 'sms', address: '+15550100091' },
      ],
      aliases: [],
      mergedInto: null,
    });
    const before = await rowCounts(t.path);
    const taken = await rejection(create(t, { addresses: [{ channelType: 'email', address: 'x@example.org' }, { channelType: 'sms', address: '+1 555 010 0091' }] }));
    expect(taken).toMatchObject({ code: 'conflict', field: 'addresses[1].address', httpStatus: 409 });
    expect(taken.message).toMatch(new RegExp(`belongs to identity ${ada.id}`));
    expect(await rejection(create(t, { externalId: 'crm-1' }))).toMatchObject({ code: 'conflict', field: 'externalId' });
    expect(await rejection(create(t, { addresses: [{ channelType: 'sms', address: 'nope' }] }))).toMatchObject({ code: 'invalid_input', field: 'addresses[0].address' });
    expect(await rowCounts(t.path)).toEqual(before);
  });

  it('getIdentity and lookupIdentity: by id, by any address spelling, by external id; unknown is null or 404', async () => {
    const t = await openIdentityEngine();
    const ada = await create(t, { externalId: 'crm-2', addresses: [{ channelType: 'email', address: 'ada@example.org' }] });
    expect(await t.engine.call('getIdentity', { identityId: ada.id })).toEqual(ada);
    expect(await t.engine.call('lookupIdentity', { externalId: 'crm-2' })).toEqual({ identity: ada });
    expect(await t.engine.call('lookupIdentity', { channelType: 'email', address: 'ADA@example.org' })).toEqual({ identity: ada });
    expect(await t.engine.call('lookupIdentity', { externalId: 'nobody' })).toEqual({ identity: null });
    expect(await rejection(t.engine.call('getIdentity', { identityId: 'idn_nope' }))).toMatchObject({ code: 'not_found', field: 'identityId' });
    expect(await rejection(t.engine.call('lookupIdentity', { channelType: 'email' }))).toMatchObject({ code: 'invalid_input', field: 'address' });
    expect(await rejection(t.engine.call('lookupIdentity', { externalId: 'a', address: 'b' }))).toMatchObject({ code: 'invalid_input' });
    expect(await rejection(t.engine.call('lookupIdentity', {}))).toMatchObject({ code: 'invalid_input' });
  });

  it('updateIdentity: fields, metadata merged or replaced, null clears, external ids stay unique, addresses reordered', async () => {
    const t = await openIdentityEngine();
    const ada = await create(t, {
      displayName: 'Ada',
      metadata: { a: 1 },
      addresses: [
        { channelType: 'sms', address: '+15550100092' },
        { channelType: 'email', address: 'ada@example.org' },
      ],
    });
    await create(t, { externalId: 'taken' });
    const hooks: unknown[] = [];
    t.engine.registerHook({ name: 'audit', trigger: 'on_identity' }, (c) => void hooks.push(c.detail?.change));
    let updated = await t.engine.call<Identity>('updateIdentity', { identityId: ada.id, externalId: 'crm-3', metadata: { b: 2 } });
    expect(updated).toMatchObject({ displayName: 'Ada', externalId: 'crm-3', metadata: { a: 1, b: 2 } });
    updated = await t.engine.call<Identity>('updateIdentity', { identityId: ada.id, displayName: null, metadata: { c: 3 }, replaceMetadata: true });
    expect(updated).toMatchObject({ displayName: null, metadata: { c: 3 } });
    updated = await t.engine.call<Identity>('updateIdentity', {
      identityId: ada.id,
      addresses: [
        { channelType: 'email', address: 'Ada@Example.org' },
        { channelType: 'sms', address: '+1 555 010 0092' },
      ],
    });
    expect(updated.addresses.map((a) => a.channelType)).toEqual(['email', 'sms']);
    expect(await rejection(t.engine.call('updateIdentity', { identityId: ada.id, externalId: 'taken' }))).toMatchObject({ code: 'conflict', field: 'externalId' });
    expect(
      await rejection(t.engine.call('updateIdentity', { identityId: ada.id, addresses: [{ channelType: 'email', address: 'ada@example.org' }] })),
    ).toMatchObject({ code: 'invalid_input', field: 'addresses' });
    expect(hooks).toEqual(['updated', 'updated', 'updated']);
  });

  it('linkAddress and unlinkAddress: last in the preference order; refused when owned by another; resolution follows', async () => {
    const t = await openIdentityEngine();
    const ada = await create(t, { addresses: [{ channelType: 'email', address: 'ada@example.org' }] });
    const bob = await create(t, { addresses: [{ channelType: 'sms', address: '+15550100093' }] });
    const linked = await t.engine.call<Identity>('linkAddress', { identityId: ada.id, channelType: 'sms', address: '0015550100094' });
    expect(linked.addresses).toEqual([
      { channelType: 'email', address: 'ada@example.org' },
      { channelType: 'sms', address: '+15550100094' },
    ]);
    expect(await t.engine.call('linkAddress', { identityId: ada.id, channelType: 'sms', address: '+15550100094' })).toEqual(linked);
    expect((await identityOf(t.engine, 'sms', '+15550100094'))!.id).toBe(ada.id);
    const taken = await rejection(t.engine.call('linkAddress', { identityId: ada.id, channelType: 'sms', address: '+15550100093' }));
    expect(taken).toMatchObject({ code: 'conflict', field: 'address' });
    expect(taken.message).toMatch(new RegExp(`belongs to identity ${bob.id}; merge`));

    const unlinked = await t.engine.call<Identity>('unlinkAddress', { identityId: ada.id, channelType: 'sms', address: '+1 555 010 0094' });
    expect(unlinked.addresses).toEqual([{ channelType: 'email', address: 'ada@example.org' }]);
    expect(await identityOf(t.engine, 'sms', '+15550100094')).toBeNull();
    expect(await rejection(t.engine.call('unlinkAddress', { identityId: ada.id, channelType: 'sms', address: '+15550100094' }))).toMatchObject({
      code: 'not_found',
      field: 'address',
    });
    // A message from the unlinked number makes a new person.
    const accepted = await t.inboundOn('sms', { from: '+15550100094' });
    const { bindings } = await t.engine.call<{ bindings: { identityId: string }[] }>('getRoom', { roomId: accepted.roomId });
    expect(bindings[0]!.identityId).not.toBe(ada.id);
  });

  it("listIdentityRooms: the person's rooms newest first, with their bindings; archived only when asked", async () => {
    const t = await openIdentityEngine();
    const one = await createRoom(t.engine, [{ channelId: 'sms', address: '+15550100095' }, { channelId: 'console', address: 'agent' }]);
    const two = await createRoom(t.engine, [{ channelId: 'sms', address: '+15550100095' }]);
    const archived = await createRoom(t.engine, [{ channelId: 'sms', address: '+15550100095' }]);
    await createRoom(t.engine, [{ channelId: 'web', address: 'someone-else' }]);
    await t.engine.call('archiveRoom', { roomId: archived.room.id });
    const identityId = one.b['+15550100095']!.identityId!;
    type Listed = { identity: Identity; rooms: { room: Room; bindings: { id: string }[] }[] };
    const listed = await t.engine.call<Listed>('listIdentityRooms', { identityId });
    expect(listed.identity.id).toBe(identityId);
    expect(listed.rooms.map((r) => r.room.id)).toEqual([two.room.id, one.room.id]);
    expect(listed.rooms[1]!.bindings.map((b) => b.id)).toEqual([one.b['+15550100095']!.id]);
    const all = await t.engine.call<Listed>('listIdentityRooms', { identityId, states: ['archived'] });
    expect(all.rooms.map((r) => r.room.id)).toEqual([archived.room.id]);
    expect((await t.engine.call<Listed>('listIdentityRooms', { identityId, limit: 1 })).rooms).toHaveLength(1);
  });
});

describe('store', () => {
  it('migration 2 adds the identity indexes; aliases, merges and address rows survive a restart', async () => {
    const t = await openIdentityEngine();
    const indexes = await query<{ name: string }>(t.path, "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'identit%' ORDER BY name");
    expect(indexes.map((i) => i.name)).toEqual(expect.arrayContaining(['identities_by_merged_into', 'identity_addresses_by_identity']));
    expect(await query(t.path, 'SELECT version FROM schema_migrations WHERE version = 2')).toEqual([{ version: 2 }]);

    const destination = await create(t, { addresses: [{ channelType: 'sms', address: '+15550100096' }] });
    const source = await create(t, { addresses: [{ channelType: 'sms', address: '+15550100097' }, { channelType: 'whatsapp', address: '+15550100097' }] });
    await t.engine.call('mergeIdentities', { source: source.id, destination: destination.id });
    await t.restart();
    const survivor = await t.engine.call<Identity>('getIdentity', { identityId: source.id });
    expect(survivor).toMatchObject({
      id: destination.id,
      addresses: [
        { channelType: 'sms', address: '+15550100096' },
        { channelType: 'whatsapp', address: '+15550100097' },
      ],
      aliases: [{ channelType: 'sms', address: '+15550100097' }],
    });
    expect((await identityOf(t.engine, 'sms', '+15550100097'))!.id).toBe(destination.id);
  });
});
