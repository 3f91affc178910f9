// Addresses have one spelling (docs/identity.md): E.164 phone numbers, lower-case email, and a
// `whatsapp:` prefix that moves an address to the whatsapp channel type. The normaliser is checked
// form by form, then on every path an address enters: attach, inbound routing and lookups.
import { afterEach, describe, expect, it } from 'vitest';
import { normaliseAddress, PHONE_CHANNEL_TYPES, RoomwireError, type Identity } from '../../runtime/src';
import { cleanupAll, createRoom, rejection, rowCounts } from '../runtime/support/engine';
import { closeServers, identityOf, openIdentityEngine, roomOf } from './support';

afterEach(async () => {
  await cleanupAll();
  await closeServers();
});

function thrown(fn: () => unknown): RoomwireError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RoomwireError) return error;
    throw error;
  }
  throw new Error('expected a RoomwireError');
}

describe('phone numbers are E.164 on sms, mms, whatsapp and voice', () => {
  const forms: [string, string][] = [
    ['+15550100001', '+15550100001'],
    ['+1 555 010 0001', '+15550100001'],
    ['+1-555-010-0001', '+15550100001'],
    ['+1.555.010.0001', '+15550100001'],
    ['+1 (555) 010-0001', '+15550100001'],
    ['  +1 (555) 010-0001  ', '+15550100001'],
    ['001 555 010 0001', '+15550100001'],
    ['0044 7700 900123', '+447700900123'],
    ['15550100001', '+15550100001'],
    ['447700900123', '+447700900123'],
    ['tel:+1-555-010-0001', '+15550100001'],
    ['+1\u00a0555\u00a0010\u00a00001', '+15550100001'],
    ['+1–555–010–0001', '+15550100001'],
    ['12345', '12345'],
    ['+2904001', '+2904001'],
  ];
  for (const type of PHONE_CHANNEL_TYPES) {
    it(`${type}: every written form of a number is one address`, () => {
      for (const [written, canonical] of forms) {
        expect({ written, result: normaliseAddress(type, written) }).toEqual({ written, result: { channelType: type, address: canonical } });
      }
    });
  }

  it('a whatsapp: prefix moves the address to the whatsapp channel type, from any phone type', () => {
    for (const type of ['sms', 'mms', 'voice', 'whatsapp']) {
      expect(normaliseAddress(type, 'whatsapp:+1 555 010 0001')).toEqual({ channelType: 'whatsapp', address: '+15550100001' });
      expect(normaliseAddress(type, 'WhatsApp:0015550100001')).toEqual({ channelType: 'whatsapp', address: '+15550100001' });
    }
    // Elsewhere the prefix is part of an opaque id.
    expect(normaliseAddress('webchat', 'whatsapp:+1555')).toEqual({ channelType: 'webchat', address: 'whatsapp:+1555' });
  });

  it('what cannot be a phone number is refused with an error naming the field', () => {
    const cases: [string, RegExp][] = [
      ['hello', /not a phone number/],
      ['+1555', /not a phone number/],
      ['+1 555 010 0001 ext 12', /not a phone number/],
      ['+0 555 010 0001', /not a phone number/],
      ['+1234567890123456', /not a phone number/],
      ['07700 900123', /national number.*country code/],
      ['+', /not a phone number/],
      ['12', /not a phone number/],
      ['whatsapp:', /not a phone number/],
      ['   ', /must not be empty/],
    ];
    for (const [written, message] of cases) {
      const error = thrown(() => normaliseAddress('sms', written, 'bindings[0].address'));
      expect({ written, code: error.code, field: error.field }).toEqual({ written, code: 'invalid_input', field: 'bindings[0].address' });
      expect(error.message).toMatch(message);
      expect(error.message.startsWith('bindings[0].address: ')).toBe(true);
    }
  });

  it('normalising twice changes nothing', () => {
    for (const [written] of forms) {
      const once = normaliseAddress('sms', written);
      expect(normaliseAddress(once.channelType, once.address)).toEqual(once);
    }
  });
});

describe('email and other channel types', () => {
  it('email is trimmed and lower-cased; mailto: and display names are dropped', () => {
    for (const written of ['Ada@Example.ORG', '  ada@example.org ', 'mailto:ADA@example.org', 'Ada Lovelace <Ada@Example.org>']) {
      expect(normaliseAddress('email', written)).toEqual({ channelType: 'email', address: 'ada@example.org' });
    }
    expect(thrown(() => normaliseAddress('email', 'not an email', 'address')).message).toBe('address: "not an email" is not an email address');
    expect(thrown(() => normaliseAddress('email', 'ada@', 'address')).field).toBe('address');
  });

  it('other channel types are trimmed and otherwise kept (session ids are case-sensitive)', () => {
    expect(normaliseAddress('webchat', '  Visitor-ABC ')).toEqual({ channelType: 'webchat', address: 'Visitor-ABC' });
    expect(normaliseAddress('console', 'agent-1')).toEqual({ channelType: 'console', address: 'agent-1' });
    expect(thrown(() => normaliseAddress('webchat', ' ', 'address')).message).toBe('address: must not be empty');
  });
});

describe('normalisation applies everywhere an address enters', () => {
  it('attach: a binding holds the canonical number, and two spellings are one participant and one identity', async () => {
    const { engine } = await openIdentityEngine();
    const { room } = await createRoom(engine, [{ channelId: 'sms', address: '+1 (555) 010-0001' }]);
    const again = await engine.call<{ binding: { id: string; address: string }; created: boolean }>('attachBinding', {
      roomId: room.id,
      channelId: 'sms',
      address: '001-555-010-0001',
    });
    expect(again.created).toBe(false);
    const { bindings } = await roomOf(engine, room.id);
    expect(bindings.map((b) => b.address)).toEqual(['+15550100001']);
    const other = await createRoom(engine, [{ channelId: 'sms', address: '15550100001' }]);
    expect(other.b['+15550100001']!.identityId).toBe(bindings[0]!.identityId);
  });

  it('attach refuses a bad number or a whatsapp: address on an SMS channel, naming the field, and stores nothing', async () => {
    const { engine, path } = await openIdentityEngine();
    const { room } = await createRoom(engine, [{ channelId: 'web', address: 'visitor' }]);
    const before = await rowCounts(path);
    expect(await rejection(engine.call('attachBinding', { roomId: room.id, channelId: 'sms', address: 'call me' }))).toMatchObject({
      code: 'invalid_input',
      field: 'address',
    });
    const wrongType = await rejection(engine.call('attachBinding', { roomId: room.id, channelId: 'sms', address: 'whatsapp:+15550100001' }));
    expect(wrongType).toMatchObject({ code: 'invalid_input', field: 'address' });
    expect(wrongType.message).toMatch(/whatsapp address; channel sms carries sms/);
    expect(await rejection(engine.call('createRoom', { bindings: [{ channelId: 'web', address: 'v2' }, { channelId: 'sms', address: '0770' }] }))).toMatchObject({
      field: 'bindings[1].address',
    });
    // On a WhatsApp channel the prefix is just stripped.
    const { binding } = await engine.call<{ binding: { address: string } }>('attachBinding', { roomId: room.id, channelId: 'wa', address: 'whatsapp:+1 555 010 0001' });
    expect(binding.address).toBe('+15550100001');
    const after = await rowCounts(path);
    expect(after.bindings).toBe(before.bindings + 1);
  });

  it('inbound routing: a differently written sender number reaches the same room and binding', async () => {
    const t = await openIdentityEngine();
    const { room, b } = await createRoom(t.engine, [{ channelId: 'sms', address: '+15550100001' }]);
    for (const from of ['+1 555 010 0001', '0015550100001', '15550100001', '+1 (555) 010-0001']) {
      const accepted = await t.inboundOn('sms', { from, text: from });
      expect({ from, roomId: accepted.roomId }).toEqual({ from, roomId: room.id });
    }
    const { bindings } = await roomOf(t.engine, room.id);
    expect(bindings).toEqual([expect.objectContaining({ id: b['+15550100001']!.id })]);
  });

  it('inbound routing refuses a sender that is not a phone number on a phone channel, and stores nothing', async () => {
    const t = await openIdentityEngine();
    const before = await rowCounts(t.path);
    expect(await rejection(t.inboundOn('sms', { from: 'ACME', text: 'x' }))).toMatchObject({ code: 'invalid_input', field: 'from', httpStatus: 400 });
    expect(await rejection(t.inboundOn('sms', { from: 'whatsapp:+15550100001', text: 'x' }))).toMatchObject({ code: 'invalid_input', field: 'from' });
    expect(await rowCounts(t.path)).toEqual(before);
  });

  it('lookups: any spelling of an address, email case included, finds the identity', async () => {
    const { engine } = await openIdentityEngine();
    const created = await engine.call<Identity>('createIdentity', {
      displayName: 'Ada',
      addresses: [
        { channelType: 'sms', address: '+44 7700 900123' },
        { channelType: 'email', address: 'Ada@Example.org' },
      ],
    });
    expect(created.addresses).toEqual([
      { channelType: 'sms', address: '+447700900123' },
      { channelType: 'email', address: 'ada@example.org' },
    ]);
    for (const [type, address] of [
      ['sms', '0044 7700 900123'],
      ['sms', '447700900123'],
      ['email', ' ADA@example.ORG '],
      ['email', 'Ada <ada@example.org>'],
    ] as const) {
      expect((await identityOf(engine, type, address))?.id).toBe(created.id);
    }
    expect(await identityOf(engine, 'whatsapp', '+447700900123')).toBeNull();
    expect(await rejection(engine.call('lookupIdentity', { channelType: 'sms', address: 'nope' }))).toMatchObject({ code: 'invalid_input', field: 'address' });
  });
});
