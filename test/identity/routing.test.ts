// DESIGN.md section 3 step 2 with identities (docs/identity.md): an inbound message from any of a
// person's addresses goes to their latest open room where they are bound on that channel type; a
// room whose policy is `metadata.routing: 'identity'` also takes their other channel types
// (attaching the new channel); several candidates are never guessed between.
import { afterEach, describe, expect, it } from 'vitest';
import type { Identity } from '../../runtime/src';
import { cleanupAll, createRoom, messages, timeline } from '../runtime/support/engine';
import { closeServers, identityOf, openIdentityEngine, roomOf } from './support';

afterEach(async () => {
  await cleanupAll();
  await closeServers();
});

async function mergedCustomer(t: Awaited<ReturnType<typeof openIdentityEngine>>, sms: string, wa: string): Promise<Identity> {
  await t.engine.call('createIdentity', { addresses: [{ channelType: 'sms', address: sms }] });
  const other = await t.engine.call<Identity>('createIdentity', { addresses: [{ channelType: 'whatsapp', address: wa }] });
  return (await t.engine.call<{ identity: Identity }>('mergeIdentities', { source: other.id, destination: { channelType: 'sms', address: sms } })).identity;
}

describe('cross-channel routing', () => {
  it('SMS then WhatsApp from one person land in one room when the room routes by identity', async () => {
    const t = await openIdentityEngine();
    const person = await mergedCustomer(t, '+15550100020', '+15550100020');
    const { room, b } = await createRoom(t.engine, [
      { channelId: 'sms', address: '+15550100020' },
      { channelId: 'console', address: 'agent-1' },
    ], { metadata: { routing: 'identity' } });

    const viaSms = await t.inboundOn('sms', { from: '+15550100020', text: 'by sms' });
    const viaWa = await t.inboundOn('wa', { from: 'whatsapp:+1 555 010 0020', text: 'by whatsapp' });
    expect(viaSms.roomId).toBe(room.id);
    expect(viaWa.roomId).toBe(room.id);

    const { bindings } = await roomOf(t.engine, room.id);
    const wa = bindings.find((x) => x.channelId === 'wa')!;
    expect(wa).toMatchObject({ channelType: 'whatsapp', address: '+15550100020', identityId: person.id, state: 'joined' });
    const events = messages(await timeline(t.engine, room.id));
    expect(events.map((e) => [e.content.text, e.source.bindingId, e.source.identityId])).toEqual([
      ['by sms', b['+15550100020']!.id, person.id],
      ['by whatsapp', wa.id, person.id],
    ]);
    // The attach is on the record, and the next WhatsApp message uses that binding.
    expect((await timeline(t.engine, room.id, { audit: true })).some((e) => e.type === 'binding' && e.metadata.bindingId === wa.id)).toBe(true);
    expect((await t.inboundOn('wa', { from: '+15550100020', text: 'again' })).roomId).toBe(room.id);
    expect((await roomOf(t.engine, room.id)).bindings.filter((x) => x.channelId === 'wa')).toHaveLength(1);
    // Staff see both; a reply from the agent goes to both of the customer's channels.
    await t.engine.call('sendEvent', { roomId: room.id, bindingId: b['agent-1']!.id, content: { type: 'text', text: 'hello' } });
    await t.engine.idle();
    expect(t.wa.requests.map((r) => r.url)).toContain('/send/%2B15550100020');
  });

  it('without the policy, a message on a channel type the room does not have opens a new room', async () => {
    const t = await openIdentityEngine();
    await mergedCustomer(t, '+15550100021', '+15550100021');
    const { room } = await createRoom(t.engine, [{ channelId: 'sms', address: '+15550100021' }]);
    const viaWa = await t.inboundOn('wa', { from: '+15550100021' });
    expect(viaWa.roomId).not.toBe(room.id);
    expect((await roomOf(t.engine, room.id)).bindings.map((x) => x.channelId)).toEqual(['sms']);
  });

  it('never guesses: two open identity-routed rooms → a new room', async () => {
    const t = await openIdentityEngine();
    await mergedCustomer(t, '+15550100022', '+15550100022');
    const one = await createRoom(t.engine, [{ channelId: 'sms', address: '+15550100022' }], { metadata: { routing: 'identity' } });
    const two = await createRoom(t.engine, [{ channelId: 'web', address: 'visitor-22' }, { channelId: 'sms', address: '+15550100022' }], { metadata: { routing: 'identity' } });
    const viaWa = await t.inboundOn('wa', { from: '+15550100022' });
    expect([one.room.id, two.room.id]).not.toContain(viaWa.roomId);
    // Several same-type rooms: new room too (and the cross-type policy is not consulted).
    const viaSms = await t.inboundOn('sms', { from: '+15550100022' });
    expect([one.room.id, two.room.id]).not.toContain(viaSms.roomId);
  });

  it('closed and archived rooms, and left bindings, are no candidates', async () => {
    const t = await openIdentityEngine();
    await mergedCustomer(t, '+15550100023', '+15550100023');
    const closed = await createRoom(t.engine, [{ channelId: 'sms', address: '+15550100023' }], { metadata: { routing: 'identity' } });
    await t.engine.call('closeRoom', { roomId: closed.room.id });
    const left = await createRoom(t.engine, [{ channelId: 'sms', address: '+15550100023' }], { metadata: { routing: 'identity' } });
    await t.engine.call('detachBinding', { bindingId: left.b['+15550100023']!.id });
    const viaWa = await t.inboundOn('wa', { from: '+15550100023' });
    expect([closed.room.id, left.room.id]).not.toContain(viaWa.roomId);
  });

  it('a paused identity-routed room takes the new channel and resumes', async () => {
    const t = await openIdentityEngine();
    await mergedCustomer(t, '+15550100024', '+15550100024');
    const { room } = await createRoom(t.engine, [{ channelId: 'sms', address: '+15550100024' }], { metadata: { routing: 'identity' } });
    await t.engine.call('pauseRoom', { roomId: room.id });
    expect((await t.inboundOn('wa', { from: '+15550100024' })).roomId).toBe(room.id);
    expect((await roomOf(t.engine, room.id)).room.state).toBe('active');
  });

  it('another address of the same person on the same channel type (an alias) reaches their room on a binding of its own', async () => {
    const t = await openIdentityEngine();
    const first = await t.engine.call<Identity>('createIdentity', { addresses: [{ channelType: 'sms', address: '+15550100025' }] });
    const second = await t.engine.call<Identity>('createIdentity', { addresses: [{ channelType: 'sms', address: '+15550100026' }] });
    const { room } = await createRoom(t.engine, [{ channelId: 'sms', address: '+15550100025' }]);
    await t.engine.call('mergeIdentities', { source: second.id, destination: first.id });
    const accepted = await t.inboundOn('sms', { from: '+15550100026', text: 'from my other phone' });
    expect(accepted.roomId).toBe(room.id);
    const { bindings } = await roomOf(t.engine, room.id);
    expect(bindings.map((x) => [x.address, x.identityId])).toEqual([
      ['+15550100025', first.id],
      ['+15550100026', first.id],
    ]);
  });

  it('an address that left a room is not attached there again, though the person is still in it on another address or channel', async () => {
    const t = await openIdentityEngine();
    // The person has two numbers in one room; one of them was removed (say, a shared phone).
    await t.engine.call('createIdentity', { addresses: [{ channelType: 'sms', address: '+15550100091' }, { channelType: 'sms', address: '+15550100092' }] });
    const { room, b } = await createRoom(t.engine, [
      { channelId: 'sms', address: '+15550100091' },
      { channelId: 'sms', address: '+15550100092' },
    ]);
    await t.engine.call('detachBinding', { bindingId: b['+15550100091']!.id });
    const removed = await t.inboundOn('sms', { from: '+15550100091', text: 'after I was removed' });
    expect(removed.roomId).not.toBe(room.id);
    // The number still in the room is routed there, as before.
    expect((await t.inboundOn('sms', { from: '+15550100092', text: 'still here' })).roomId).toBe(room.id);

    // The same in a room that routes by identity: the person is still there on WhatsApp.
    await t.engine.call('createIdentity', { addresses: [{ channelType: 'sms', address: '+15550100093' }, { channelType: 'whatsapp', address: '+15550100093' }] });
    const routed = await t.engine.call<{ room: { id: string }; bindings: { id: string; channelId: string }[] }>('createRoom', {
      metadata: { routing: 'identity' },
      bindings: [{ channelId: 'sms', address: '+15550100093' }, { channelId: 'wa', address: '+15550100093' }],
    });
    await t.engine.call('detachBinding', { bindingId: routed.bindings.find((x) => x.channelId === 'sms')!.id });
    expect((await t.inboundOn('sms', { from: '+15550100093', text: 'by SMS after removal' })).roomId).not.toBe(routed.room.id);
    const { bindings } = await roomOf(t.engine, routed.room.id);
    expect(bindings.filter((x) => x.channelId === 'sms').map((x) => x.state)).toEqual(['left']);
  });

  it("rooms opened by inbound traffic take the channel's routing policy (channel info `routing`)", async () => {
    const t = await openIdentityEngine({ smsInfo: { routing: 'identity' } });
    await mergedCustomer(t, '+15550100027', '+15550100027');
    const opened = await t.inboundOn('sms', { from: '+15550100027' });
    expect((await roomOf(t.engine, opened.roomId)).room.metadata).toEqual({ routing: 'identity' });
    expect((await t.inboundOn('wa', { from: '+15550100027' })).roomId).toBe(opened.roomId);
  });

  it('an unlinked address no longer reaches the old identity\'s room', async () => {
    const t = await openIdentityEngine();
    const { room, b } = await createRoom(t.engine, [{ channelId: 'sms', address: '+15550100028' }]);
    const identityId = b['+15550100028']!.identityId!;
    expect((await t.inboundOn('sms', { from: '+15550100028' })).roomId).toBe(room.id);
    await t.engine.call('unlinkAddress', { identityId, channelType: 'sms', address: '+15550100028' });
    const after = await t.inboundOn('sms', { from: '+15550100028', text: 'new owner of the number' });
    expect(after.roomId).not.toBe(room.id);
    const owner = await identityOf(t.engine, 'sms', '+15550100028');
    expect(owner!.id).not.toBe(identityId);
  });
});
