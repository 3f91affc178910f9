// DESIGN.md section 3 step 3 and section 10: the default resolver looks up (channel type, address)
// and creates an identity when unknown; an `on_identity` hook with change `unknown` may claim the
// address first (a flow acting as the resolver), within its timeout.
import { afterEach, describe, expect, it } from 'vitest';
import type { HookContext, Identity } from '../../runtime/src';
import { cleanupAll, createRoom, deferred, query, until } from '../runtime/support/engine';
import { closeServers, identityOf, openIdentityEngine, roomOf } from './support';

afterEach(async () => {
  await cleanupAll();
  await closeServers();
});

describe('default resolver', () => {
  it('creates an identity for an unknown address, once, and finds it afterwards', async () => {
    const t = await openIdentityEngine();
    const first = await t.inboundOn('sms', { from: '+15550100001', displayName: 'Grace', text: 'one' });
    const { bindings } = await roomOf(t.engine, first.roomId);
    const identityId = bindings[0]!.identityId!;
    const identity = await t.engine.call<Identity>('getIdentity', { identityId });
    expect(identity).toMatchObject({
      id: identityId,
      displayName: 'Grace',
      externalId: null,
      addresses: [{ channelType: 'sms', address: '+15550100001' }],
      aliases: [],
      mergedInto: null,
    });
    // The same person in a new room, by attach and by a second message: one identity.
    const other = await createRoom(t.engine, [{ channelId: 'sms', address: '+1 555 010 0001' }]);
    expect(other.b['+15550100001']!.identityId).toBe(identityId);
    expect((await identityOf(t.engine, 'sms', '+15550100001'))!.id).toBe(identityId);
    expect(await query(t.path, 'SELECT count(*) AS n FROM identities')).toEqual([{ n: 1 }]);
  });

  it('concurrent first messages from one address create one identity', async () => {
    const t = await openIdentityEngine();
    await Promise.all(Array.from({ length: 8 }, (_, i) => t.inboundOn('sms', { from: '+15550100002', text: `m${i}` })));
    expect(await query(t.path, 'SELECT count(*) AS n FROM identities')).toEqual([{ n: 1 }]);
  });

  it('the same address on another channel type is another identity until linked or merged', async () => {
    const t = await openIdentityEngine();
    const sms = await t.inboundOn('sms', { from: '+15550100003' });
    const wa = await t.inboundOn('wa', { from: '+15550100003' });
    expect(wa.roomId).not.toBe(sms.roomId);
    const a = await identityOf(t.engine, 'sms', '+15550100003');
    const b = await identityOf(t.engine, 'whatsapp', '+15550100003');
    expect(a!.id).not.toBe(b!.id);
  });

  it('announces created identities to on_identity hooks (room: null)', async () => {
    const t = await openIdentityEngine();
    const seen: HookContext[] = [];
    t.engine.registerHook({ name: 'audit', trigger: 'on_identity' }, (context) => void seen.push(context));
    await t.inboundOn('sms', { from: '+15550100004' });
    await until(() => seen.some((c) => c.detail?.change === 'created'), 'the created notification');
    const created = seen.find((c) => c.detail?.change === 'created')!;
    expect(created).toMatchObject({ trigger: 'on_identity', hook: 'audit', room: null, detail: { identity: { addresses: [{ channelType: 'sms', address: '+15550100004' }] } } });
    // It was first asked whether it knows the address (and answered nothing).
    expect(seen[0]!.detail).toEqual({ change: 'unknown', channelType: 'sms', address: '+15550100004', displayName: null });
  });
});

describe('pluggable resolver: an on_identity hook answers `unknown`', () => {
  it('{identityId}: the unknown address joins that existing identity (last in its preference order)', async () => {
    const t = await openIdentityEngine();
    const known = await t.engine.call<Identity>('createIdentity', { displayName: 'Ada', externalId: 'crm-1', addresses: [{ channelType: 'email', address: 'ada@example.org' }] });
    t.engine.registerHook({ name: 'crm', trigger: 'on_identity' }, (context) =>
      context.detail?.change === 'unknown' && context.detail.address === '+15550100010' ? { identityId: known.id } : undefined,
    );
    const accepted = await t.inboundOn('sms', { from: '+1 555 010 0010' });
    const { bindings } = await roomOf(t.engine, accepted.roomId);
    expect(bindings[0]!.identityId).toBe(known.id);
    expect((await t.engine.call<Identity>('getIdentity', { identityId: known.id })).addresses).toEqual([
      { channelType: 'email', address: 'ada@example.org' },
      { channelType: 'sms', address: '+15550100010' },
    ]);
    // Asked once: from now on the address is known.
    await t.inboundOn('sms', { from: '+15550100010' });
    expect(await query(t.path, 'SELECT count(*) AS n FROM identities')).toEqual([{ n: 1 }]);
  });

  it('{identity}: a new identity with the fields the hook gave; an external id already known names that identity', async () => {
    const t = await openIdentityEngine();
    const existing = await t.engine.call<Identity>('createIdentity', { externalId: 'crm-7' });
    t.engine.registerHook({ name: 'crm', trigger: 'on_identity' }, (context) => {
      if (context.detail?.change !== 'unknown') return undefined;
      if (context.detail.address === '+15550100011') return { identity: { displayName: 'Linus', externalId: 'crm-9', metadata: { tier: 'gold' } } };
      return { identity: { externalId: 'crm-7' } };
    });
    const first = await t.inboundOn('sms', { from: '+15550100011', displayName: 'ignored' });
    const created = (await roomOf(t.engine, first.roomId)).bindings[0]!.identityId!;
    expect(await t.engine.call<Identity>('getIdentity', { identityId: created })).toMatchObject({
      displayName: 'Linus',
      externalId: 'crm-9',
      metadata: { tier: 'gold' },
      addresses: [{ channelType: 'sms', address: '+15550100011' }],
    });
    const second = await t.inboundOn('wa', { from: '+15550100012' });
    expect((await roomOf(t.engine, second.roomId)).bindings[0]!.identityId).toBe(existing.id);
  });

  it('a hook that times out, fails or answers something unusable leaves it to the default resolver', async () => {
    const t = await openIdentityEngine();
    const never = deferred();
    const calls: string[] = [];
    t.engine.registerHook({ name: 'slow', trigger: 'on_identity', timeoutMs: 30, priority: 1 }, async (context) => {
      if (context.detail?.change !== 'unknown') return undefined;
      calls.push('slow');
      await never.promise;
      return { identityId: 'idn_never' };
    });
    const started = Date.now();
    const accepted = await t.inboundOn('sms', { from: '+15550100013', displayName: 'Default' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    const identityId = (await roomOf(t.engine, accepted.roomId)).bindings[0]!.identityId!;
    expect(await t.engine.call<Identity>('getIdentity', { identityId })).toMatchObject({ displayName: 'Default', addresses: [{ address: '+15550100013' }] });
    expect(calls).toEqual(['slow']);

    const remove = t.engine.registerHook({ name: 'bad', trigger: 'on_identity', priority: 0 }, (context) =>
      context.detail?.change === 'unknown' ? { identityId: 'idn_does_not_exist' } : undefined,
    );
    const second = await t.inboundOn('sms', { from: '+15550100014' });
    expect((await roomOf(t.engine, second.roomId)).bindings[0]!.identityId).toMatch(/^idn_/);
    remove();
    t.engine.registerHook({ name: 'throws', trigger: 'on_identity', priority: 0 }, () => {
      throw new Error('crm down');
    });
    const third = await t.inboundOn('sms', { from: '+15550100015' });
    expect((await roomOf(t.engine, third.roomId)).bindings[0]!.identityId).toMatch(/^idn_/);
    never.resolve();
  });

  it('a malformed answer (wrong types, unknown fields) is refused and the default resolver decides', async () => {
    const t = await openIdentityEngine();
    const answers: unknown[] = [{ identityId: 42 }, { identity: 'Ada' }, { identity: { externalId: 7 } }, { identity: { displayName: 'x', isAdmin: true } }];
    let next = 0;
    t.engine.registerHook({ name: 'crm', trigger: 'on_identity' }, (context) =>
      context.detail?.change === 'unknown' ? (answers[next++] as never) : undefined,
    );
    for (const [i, from] of ['+15550100021', '+15550100022', '+15550100023', '+15550100024'].entries()) {
      const accepted = await t.inboundOn('sms', { from });
      const identityId = (await roomOf(t.engine, accepted.roomId)).bindings[0]!.identityId!;
      const identity = await t.engine.call<Identity>('getIdentity', { identityId });
      // Created by the default resolver: only the address, none of the malformed answer's fields.
      expect({ i, externalId: identity.externalId, displayName: identity.displayName, metadata: identity.metadata }).toEqual({
        i,
        externalId: null,
        displayName: null,
        metadata: {},
      });
    }
    expect(next).toBe(4);
  });

  it('hooks are asked in priority order; the first answer decides; a channel-type filter narrows what a hook is asked', async () => {
    const t = await openIdentityEngine();
    const a = await t.engine.call<Identity>('createIdentity', { displayName: 'A' });
    const b = await t.engine.call<Identity>('createIdentity', { displayName: 'B' });
    const asked: string[] = [];
    t.engine.registerHook({ name: 'second', trigger: 'on_identity', priority: 20 }, (c) => {
      if (c.detail?.change === 'unknown') asked.push(`second:${String(c.detail.channelType)}`);
      return c.detail?.change === 'unknown' ? { identityId: b.id } : undefined;
    });
    t.engine.registerHook({ name: 'wa-only', trigger: 'on_identity', priority: 10, filters: { channelTypes: ['whatsapp'] } }, (c) => {
      if (c.detail?.change === 'unknown') asked.push(`wa-only:${String(c.detail.channelType)}`);
      return c.detail?.change === 'unknown' ? { identityId: a.id } : undefined;
    });
    const viaSms = await t.inboundOn('sms', { from: '+15550100016' });
    const viaWa = await t.inboundOn('wa', { from: '+15550100017' });
    expect((await roomOf(t.engine, viaSms.roomId)).bindings[0]!.identityId).toBe(b.id);
    expect((await roomOf(t.engine, viaWa.roomId)).bindings[0]!.identityId).toBe(a.id);
    expect(asked).toEqual(['second:sms', 'wa-only:whatsapp']);
  });

  it('a room-scoped on_identity hook is never asked to resolve (there is no room yet)', async () => {
    const t = await openIdentityEngine();
    const { room } = await createRoom(t.engine, [{ channelId: 'web', address: 'v' }]);
    const other = await t.engine.call<Identity>('createIdentity', {});
    t.engine.registerHook({ name: 'room-only', trigger: 'on_identity', roomId: room.id }, () => ({ identityId: other.id }));
    const accepted = await t.inboundOn('sms', { from: '+15550100018' });
    expect((await roomOf(t.engine, accepted.roomId)).bindings[0]!.identityId).not.toBe(other.id);
  });
});
