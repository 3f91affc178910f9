// `roomwire-merge-identity` in a real Node-RED (test/e2e/fixtures/merge-identity.json): two
// webhook channels bring the same customer in under two addresses (two identities, two rooms); a
// flow merges them by address or by id and answers with the surviving identity. The engine's REST
// API shows the result: the merged address resolves to the survivor, the source's participants
// point to it, the room records the merge, and the customer's next message still finds its room.
// The same flow resolves unknown addresses through an on_identity hook (a flow as the resolver).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFlows, startNodeRed, type NodeRed } from '../support/node-red';

const FIXTURE = fileURLToPath(new URL('./fixtures/merge-identity.json', import.meta.url));
const TOKEN = 'merge-identity-e2e-token';

let nodeRed: NodeRed;

beforeAll(async () => {
  const flows = JSON.parse(await readFile(FIXTURE, 'utf8')) as { type: string }[];
  nodeRed = await startNodeRed({ flows });
  // The REST API token is a credential, which a seed file cannot hold: deploy it as the editor would.
  await deployFlows(nodeRed, flows.map((node) => (node.type === 'roomwire-engine' ? { ...node, credentials: { apiToken: TOKEN } } : node)));
});

afterAll(async () => {
  await nodeRed?.stop();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<{ status: number; body: any }> {
  const res = await fetch(`${nodeRed.httpNodeUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const api = (operation: string, input: unknown) => post(`roomwire-merge/api/operations/${operation}`, input, { authorization: `Bearer ${TOKEN}` });
const inbound = async (channelId: string, from: string, text: string) => {
  const res = await post(`roomwire-merge/webhook/${channelId}`, { from, text });
  expect(res.status).toBe(200);
  return res.body.accepted[0] as { roomId: string; eventId: string };
};
const merge = (body: unknown) => post('merge-identity', body);

describe('roomwire-merge-identity in a flow', () => {
  it('merges by address, answers with the survivor, and the engine follows', async () => {
    const bySms = await inbound('merge-sms', 'ada-sms', 'hello by sms');
    const byWa = await inbound('merge-wa', 'ada-wa', 'hello by whatsapp');
    expect(byWa.roomId).not.toBe(bySms.roomId);
    const smsRoom = (await api('getRoom', { roomId: bySms.roomId })).body;
    const waRoom = (await api('getRoom', { roomId: byWa.roomId })).body;
    const survivorId = smsRoom.bindings[0].identityId as string;
    const sourceId = waRoom.bindings[0].identityId as string;
    expect(sourceId).not.toBe(survivorId);

    const res = await merge({ source: { channelType: 'webhook', address: ' ada-wa ' }, destination: { channelType: 'webhook', address: 'ada-sms' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      identityId: survivorId,
      merged: true,
      identity: {
        id: survivorId,
        addresses: [{ channelType: 'webhook', address: 'ada-sms' }],
        // Both channels are of type `webhook`: the source's address is a second one of that type, kept as an alias.
        aliases: [{ channelType: 'webhook', address: 'ada-wa' }],
        mergedInto: null,
      },
      merge: { sourceId, destinationId: survivorId, roomIds: [byWa.roomId] },
    });

    expect((await api('lookupIdentity', { channelType: 'webhook', address: 'ada-wa' })).body.identity.id).toBe(survivorId);
    expect((await api('getIdentity', { identityId: sourceId })).body.id).toBe(survivorId);
    expect((await api('getRoom', { roomId: byWa.roomId })).body.bindings[0].identityId).toBe(survivorId);
    const audit = (await api('getTimeline', { roomId: byWa.roomId, audit: true })).body.events as { type: string; metadata: Record<string, unknown> }[];
    expect(audit.filter((e) => e.type === 'identity')).toEqual([
      expect.objectContaining({ metadata: expect.objectContaining({ change: 'merged', sourceId, destinationId: survivorId }) }),
    ]);
    const rooms = (await api('listIdentityRooms', { identityId: survivorId })).body.rooms as { room: { id: string } }[];
    expect(rooms.map((r) => r.room.id).sort()).toEqual([bySms.roomId, byWa.roomId].sort());

    // The customer's next WhatsApp message still reaches its room, now as the survivor.
    const again = await inbound('merge-wa', 'ada-wa', 'me again');
    expect(again.roomId).toBe(byWa.roomId);
    const events = (await api('getTimeline', { roomId: byWa.roomId })).body.events as { id: string; source: { identityId: string } }[];
    expect(events.find((e) => e.id === again.eventId)!.source.identityId).toBe(survivorId);

    // Merging again changes nothing.
    const repeat = await merge({ source: { channelType: 'webhook', address: 'ada-wa' }, destination: { channelType: 'webhook', address: 'ada-sms' } });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toMatchObject({ identityId: survivorId, merged: false });
  });

  it('merges by ids (msg.payload.source / destination as identity ids)', async () => {
    const one = await inbound('merge-sms', 'grace-sms', 'one');
    const two = await inbound('merge-wa', 'grace-wa', 'two');
    const destination = (await api('getRoom', { roomId: one.roomId })).body.bindings[0].identityId as string;
    const source = (await api('getRoom', { roomId: two.roomId })).body.bindings[0].identityId as string;
    const res = await merge({ source, destination });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ identityId: destination, merged: true, merge: { sourceId: source, destinationId: destination } });
  });

  it('a flow resolves unknown addresses: an on_identity hook answers with the CRM identity, or lets the engine create one', async () => {
    const vip = await inbound('merge-sms', 'vip-ada', 'hello');
    const vipId = (await api('getRoom', { roomId: vip.roomId })).body.bindings[0].identityId as string;
    expect((await api('getIdentity', { identityId: vipId })).body).toMatchObject({
      displayName: 'VIP vip-ada',
      externalId: 'crm-vip-ada',
      metadata: { tier: 'gold' },
      addresses: [{ channelType: 'webhook', address: 'vip-ada' }],
    });
    // Known from then on (both channels are of type webhook): the hook is not asked again.
    const again = await inbound('merge-wa', ' vip-ada ', 'on the other channel');
    expect((await api('getRoom', { roomId: again.roomId })).body.bindings[0].identityId).toBe(vipId);
    // Anyone else gets the engine's own identity, without waiting for the hook's timeout.
    const started = Date.now();
    const plain = await inbound('merge-sms', 'someone', 'hi');
    expect(Date.now() - started).toBeLessThan(1500);
    const plainId = (await api('getRoom', { roomId: plain.roomId })).body.bindings[0].identityId as string;
    expect((await api('getIdentity', { identityId: plainId })).body).toMatchObject({ displayName: null, externalId: null });
  });

  it('errors reach Catch nodes: self-merge, cycles, unknown identities, missing input', async () => {
    const a = await inbound('merge-sms', 'linus-sms', 'a');
    const b = await inbound('merge-wa', 'linus-wa', 'b');
    const idA = (await api('getRoom', { roomId: a.roomId })).body.bindings[0].identityId as string;
    const idB = (await api('getRoom', { roomId: b.roomId })).body.bindings[0].identityId as string;

    const self = await merge({ source: idA, destination: idA });
    expect(self.status).toBe(422);
    expect(self.body.error).toMatch(/destination: an identity cannot be merged into itself/);

    expect((await merge({ source: idA, destination: idB })).status).toBe(200);
    const cycle = await merge({ source: idB, destination: idA });
    expect(cycle.status).toBe(422);
    expect(cycle.body.error).toMatch(/cycle/);

    const unknown = await merge({ source: { channelType: 'webhook', address: 'nobody' }, destination: idB });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatch(/source\.address: no identity has the address webhook:nobody/);

    const missing = await merge({ destination: idB });
    expect(missing.status).toBe(422);
    expect(missing.body.error).toMatch(/msg\.source: is required/);
  });
});
