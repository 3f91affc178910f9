// A contact's display name: MESSAGE_INBOUND names the sender's Sinch contact but not their name,
// so the provider asks the Conversation API (GET /v1/projects/{project}/contacts/{contact}, with
// the account's cached OAuth token) once per contact and gives the name to the identity. A lookup
// that fails or is slow never costs the message: it is stored, without a name.
import { afterEach, describe, expect, it } from 'vitest';
import type { Identity } from '../../../runtime/src';
import { cleanupAll } from '../../runtime/support/engine';
import { PROJECT_ID, inboundCallback, sinchErrorAnswer, sinchId } from './support/sinch';
import { closeSinchServers, openSinchEngine } from './support/engine';

afterEach(async () => {
  await cleanupAll();
  await closeSinchServers();
});

type SinchEngine = Awaited<ReturnType<typeof openSinchEngine>>;

/** A WhatsApp message from `msisdn`, Sinch contact `contactId`. */
function fromContact(msisdn: string, contactId: string, text: string): Record<string, unknown> {
  const body = inboundCallback('WHATSAPP', msisdn, { text_message: { text } });
  (body.message as Record<string, unknown>).contact_id = contactId;
  return body;
}

async function writes(t: SinchEngine, body: Record<string, unknown>): Promise<void> {
  expect((await t.callback('sinch-wa', body)).status).toBe(200);
}

async function identityOf(t: SinchEngine, msisdn: string): Promise<Identity | null> {
  return (await t.engine.call<{ identity: Identity | null }>('lookupIdentity', { channelType: 'whatsapp', address: `+${msisdn}` })).identity;
}

describe("a Sinch contact's display name", () => {
  it('names the identity after the contact, looked up once per contact with the token the sends use', async () => {
    const t = await openSinchEngine();
    await t.registerSinch('sinch-wa', 'whatsapp');
    const contactId = sinchId();
    t.sinch.contacts.set(contactId, { display_name: 'Ana Souza' });

    await writes(t, fromContact('5511987650001', contactId, 'oi'));
    await writes(t, fromContact('5511987650001', contactId, 'tudo bem?'));
    expect(await identityOf(t, '5511987650001')).toMatchObject({ displayName: 'Ana Souza' });
    expect(t.sinch.contactLookups).toHaveLength(1);
    const [lookup] = t.sinch.contactLookups;
    expect(lookup!.url).toBe(`/v1/projects/${PROJECT_ID}/contacts/${contactId}`);
    expect(lookup!.headers.authorization).toBe(`Bearer ${t.sinch.tokensIssued[0]}`);

    // A reply goes out with the same cached token: one token request in all.
    const { rooms } = await t.engine.call<{ rooms: { id: string }[] }>('listRooms', {});
    const { binding } = await t.engine.call<{ binding: { id: string } }>('attachBinding', { roomId: rooms[0]!.id, channelId: 'console', address: 'agent-1' });
    await t.engine.call('sendEvent', { roomId: rooms[0]!.id, bindingId: binding.id, content: { type: 'text', text: 'Olá Ana' } });
    await t.engine.idle();
    expect(t.sinch.messages).toHaveLength(1);
    expect(t.sinch.tokensIssued).toHaveLength(1);
    expect(t.sinch.violations).toEqual([]);
  });

  it('stores the message without a name when the lookup fails (HTTP 500, unknown contact), and does not ask again at once', async () => {
    const t = await openSinchEngine();
    await t.registerSinch('sinch-wa', 'whatsapp');
    const broken = sinchId();
    t.sinch.contacts.set(broken, { display_name: 'Never Seen' });
    t.sinch.contactFaults.push(sinchErrorAnswer(500, 'INTERNAL', 'boom'));
    await writes(t, fromContact('5511987650002', broken, 'first'));
    await writes(t, fromContact('5511987650002', broken, 'second'));
    expect(await identityOf(t, '5511987650002')).toMatchObject({ displayName: null });
    expect(t.sinch.contactLookups.filter((r) => r.url.endsWith(broken))).toHaveLength(1);

    await writes(t, fromContact('5511987650003', sinchId(), 'no such contact'));
    expect(await identityOf(t, '5511987650003')).toMatchObject({ displayName: null });

    // The same path with a contact Sinch answers for names the person.
    const named = sinchId();
    t.sinch.contacts.set(named, { display_name: 'Bia' });
    await writes(t, fromContact('5511987650004', named, 'hello'));
    expect(await identityOf(t, '5511987650004')).toMatchObject({ displayName: 'Bia' });
    const { rooms } = await t.engine.call<{ rooms: unknown[] }>('listRooms', {});
    expect(rooms).toHaveLength(3);
    expect(t.sinch.violations).toEqual([]);
  });

  it('does not hold a message up for a lookup that hangs: it is stored once the wait is over, without a name', async () => {
    const t = await openSinchEngine({}, { contactWaitMs: 100 });
    await t.registerSinch('sinch-wa', 'whatsapp');
    const slow = sinchId();
    t.sinch.contacts.set(slow, { display_name: 'Slow Sam' });
    t.sinch.contactFaults.push('hang');
    const started = Date.now();
    await writes(t, fromContact('5511987650005', slow, 'are you there?'));
    // Well under the client's 2 s timeout: the message did not wait for Sinch's answer.
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await identityOf(t, '5511987650005')).toMatchObject({ displayName: null });
    expect(t.sinch.contactLookups).toHaveLength(1);
  });
});
