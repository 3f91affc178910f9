// roomwire-visibility: sets a participant's visibility (who receives what it writes) and access
// through `updateBinding`; msg.visibility / msg.access override the node's settings.
import { afterEach, describe, expect, it } from 'vitest';
import { allNodes, channelConfigs, engineConfig, engineOf, helper, lastStatus, nextMessage, node, onTab, removeTempDirs } from './support';

afterEach(async () => {
  await helper.unload();
  removeTempDirs();
});

async function load(settings: Record<string, unknown>) {
  await helper.load(allNodes(), [
    engineConfig(),
    ...channelConfigs(),
    ...onTab([
      { id: 'vis', type: 'roomwire-visibility', engine: 'engine', visibility: 'unchanged', access: 'unchanged', wires: [['out']], ...settings },
      { id: 'out', type: 'helper' },
      { id: 'caught', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    ]),
  ]);
  const { bindings } = await engineOf().call<{ bindings: { id: string }[] }>('createRoom', {
    id: 'r1',
    bindings: [
      { channelId: 'bots', address: 'agent', audience: 'internal' },
      { channelId: 'bots', address: 'supervisor', audience: 'internal' },
      { channelId: 'bots', address: 'customer' },
    ],
  });
  return { agent: bindings[0]!.id, supervisor: bindings[1]!.id, customer: bindings[2]!.id };
}

async function run(msg: Record<string, unknown>) {
  const out = nextMessage('out');
  node('vis').receive(msg);
  return out;
}

/** Who an agent's message is delivered to. */
async function receiversOf(bindingId: string): Promise<string[]> {
  const sent = await engineOf().call<{ deliveryIds: string[]; event: { id: string } }>('sendEvent', { roomId: 'r1', bindingId, content: { type: 'text', text: 'note' } });
  const { deliveries } = await engineOf().call<{ deliveries: { bindingId: string }[] }>('getDeliveries', { eventId: sent.event.id });
  return deliveries.map((d) => d.bindingId).sort();
}

describe('roomwire-visibility', () => {
  it("makes a participant's messages internal notes", async () => {
    const ids = await load({ visibility: 'internal' });
    expect((await receiversOf(ids.agent)).sort()).toEqual([ids.supervisor, ids.customer].sort());
    const msg = await run({ roomId: 'r1', address: 'agent' });
    expect(msg.payload).toMatchObject({ id: ids.agent, visibility: 'internal' });
    expect(lastStatus('vis')).toMatchObject({ text: 'agent: internal, read_write' });
    expect(await receiversOf(ids.agent)).toEqual([ids.supervisor]);
  });

  it('limits visibility to a list of ids', async () => {
    const ids = await load({ visibility: 'list', visibilityList: '' });
    await run({ bindingId: ids.agent, visibility: [ids.customer] });
    expect(await receiversOf(ids.agent)).toEqual([ids.customer]);
  });

  it('sets access: a read-only participant still reads, its writes are stored blocked', async () => {
    const ids = await load({ access: 'read_only' });
    const msg = await run({ bindingId: ids.customer });
    expect(msg.payload).toMatchObject({ access: 'read_only', visibility: 'all' });
    const { event } = await engineOf().call<{ event: { status: string; blockedBy: string } }>('sendEvent', { roomId: 'r1', bindingId: ids.customer, content: { type: 'text', text: 'x' } });
    expect(event).toMatchObject({ status: 'blocked', blockedBy: 'read_only' });
  });

  it('lets msg.access and msg.visibility override the node', async () => {
    const ids = await load({ visibility: 'internal', access: 'read_only' });
    const msg = await run({ bindingId: ids.agent, visibility: 'none', access: 'write_only' });
    expect(msg.payload).toMatchObject({ visibility: 'none', access: 'write_only' });
  });

  it('fails when there is nothing to change, or the value is not one the engine knows', async () => {
    const ids = await load({});
    const caught = nextMessage('caught');
    node('vis').receive({ bindingId: ids.agent });
    expect((await caught).error.message).toMatch(/visibility: nothing to change/);
    const rejected = nextMessage('caught');
    node('vis').receive({ bindingId: ids.agent, access: 'everything' });
    expect((await rejected).error).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('access') });
  });
});

describe('roomwire-visibility: the participant chosen in its dialog', () => {
  it('changes the participant named by a channel node and an address (else msg.address), in room msg.roomId', async () => {
    const ids = await load({ version: 2, target: 'participant', channel: 'ch-flow', address: 'agent', visibility: 'internal' });
    expect((await run({ roomId: 'r1', address: 'customer' })).payload).toMatchObject({ id: ids.agent, visibility: 'internal' });
    expect(await receiversOf(ids.agent)).toEqual([ids.supervisor]);
  });

  it('keeps reading the participant from msg in a node saved before the choice existed (version 1)', async () => {
    const ids = await load({ version: 1, bindingId: '', visibility: 'internal' });
    expect((await run({ bindingId: ids.customer })).payload).toMatchObject({ id: ids.customer, visibility: 'internal' });
  });
});
