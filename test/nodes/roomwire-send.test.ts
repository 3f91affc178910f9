// roomwire-send: msg.payload into a room as a participant (named by binding id or by address) or
// as the system, through `sendEvent`: the committed event on msg, permissions applied, errors
// naming the field through done(err).
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allNodes, channelConfigs, engineConfig, engineOf, helper, lastStatus, nextMessage, node, onTab, removeTempDirs, tempDir } from './support';

afterEach(async () => {
  await helper.unload();
  removeTempDirs();
});

async function load(send: Record<string, unknown> = {}, database?: string) {
  await helper.load(allNodes(), [
    engineConfig('engine', database ? { database } : {}),
    ...channelConfigs(),
    ...onTab([
      { id: 'send', type: 'roomwire-send', engine: 'engine', wires: [['out']], ...send },
      { id: 'out', type: 'helper' },
      { id: 'caught', type: 'helper' },
      { id: 'catch', type: 'catch', scope: ['send'], uncaught: false, wires: [['caught']] },
    ]),
  ]);
  const { bindings } = await engineOf().call<{ bindings: { id: string; address: string }[] }>('createRoom', {
    id: 'r1',
    bindings: [
      { channelId: 'bots', address: 'alice' },
      { channelId: 'bots', address: 'bob' },
    ],
  });
  return { alice: bindings[0]!, bob: bindings[1]! };
}

async function send(msg: Record<string, unknown>) {
  const out = nextMessage('out');
  node('send').receive(msg);
  return out;
}

async function fails(msg: Record<string, unknown>) {
  const caught = nextMessage('caught');
  node('send').receive(msg);
  return (await caught).error as { message: string; code?: string };
}

const timeline = async () => (await engineOf().call<{ events: any[] }>('getTimeline', { roomId: 'r1', audit: true })).events.filter((e) => e.type === 'message');

describe('roomwire-send', () => {
  it('sends a string as text, as the participant named by msg.address, and outputs the event', async () => {
    const { alice } = await load();
    const msg = await send({ roomId: 'r1', address: 'alice', payload: 'hi bob', correlationId: 'c-1', metadata: { via: 'test' }, res: 'kept' });
    expect(msg.payload).toMatchObject({
      roomId: 'r1',
      type: 'message',
      content: { type: 'text', text: 'hi bob' },
      source: { bindingId: alice.id },
      status: 'committed',
      correlationId: 'c-1',
      metadata: { via: 'test' },
    });
    expect(msg).toMatchObject({ eventId: msg.payload.id, index: msg.payload.index, bindingId: alice.id, duplicate: false, res: 'kept' });
    expect(lastStatus('send')).toMatchObject({ fill: 'green', text: `sent #${msg.payload.index}` });
  });

  it('sends content objects as they are, and writes as the system without a binding', async () => {
    await load({ roomId: 'r1' });
    const msg = await send({ payload: { type: 'location', latitude: 52.5, longitude: 13.4, label: 'Berlin' } });
    expect(msg.payload.content).toEqual({ type: 'location', latitude: 52.5, longitude: 13.4, label: 'Berlin' });
    expect(msg.payload.source.bindingId).toBeNull();
  });

  it('uses the configured room and binding before the msg ones, and the configured event type', async () => {
    // Binding ids are made by the engine: learn bob's, then deploy a send node that names it.
    const database = path.join(tempDir(), 'kept.sqlite');
    const { bob } = await load({}, database);
    await helper.unload();
    await load({ roomId: 'r1', bindingId: bob.id, eventType: 'custom:note' }, database);
    const msg = await send({ roomId: 'other', bindingId: 'ignored', payload: 'from config' });
    expect(msg.payload).toMatchObject({ roomId: 'r1', type: 'custom:note', source: { bindingId: bob.id } });
  });

  it('reports a repeated idempotency key as a duplicate of the first event', async () => {
    await load({ roomId: 'r1' });
    const first = await send({ payload: 'once', idempotencyKey: 'k-1' });
    const again = await send({ payload: 'once', idempotencyKey: 'k-1' });
    expect(again.duplicate).toBe(true);
    expect(again.eventId).toBe(first.eventId);
    expect(await timeline()).toHaveLength(1);
  });

  it("stores a muted participant's message blocked and says so in the status", async () => {
    const { bob } = await load({ roomId: 'r1' });
    await engineOf().call('updateBinding', { bindingId: bob.id, muted: true });
    const msg = await send({ bindingId: bob.id, payload: 'am I heard?' });
    expect(msg.payload).toMatchObject({ status: 'blocked', blockedBy: 'muted' });
    expect(lastStatus('send')).toMatchObject({ fill: 'yellow', text: expect.stringContaining('blocked: muted') });
  });

  it('fails naming the field, stores nothing, and shows it', async () => {
    await load();
    expect((await fails({ payload: 'no room' })).message).toMatch(/roomId: is required/);
    expect((await fails({ roomId: 'r1', payload: 42 })).message).toMatch(/payload: must be a string/);
    expect(await fails({ roomId: 'r1', payload: { type: 'text', text: '' } })).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('content.text') });
    expect(await fails({ roomId: 'nope', payload: 'x' })).toMatchObject({ code: 'not_found', message: expect.stringContaining('roomId') });
    expect((await fails({ roomId: 'r1', address: 'carol', payload: 'x' })).message).toMatch(/address: "carol" is not a participant/);
    expect((await fails({ roomId: 'r1', metadata: 'flat', payload: 'x' })).message).toMatch(/metadata/);
    expect(await timeline()).toHaveLength(0);
    expect(lastStatus('send')).toMatchObject({ fill: 'red' });
  });

  it("writes as the participant on the node's channel node, at the node's address or msg.address", async () => {
    const { alice, bob } = await load({ roomId: 'r1', speaker: 'participant', channel: 'ch-flow', address: 'alice', version: 1 });
    expect((await send({ payload: 'hi', bindingId: bob.id })).payload.source.bindingId).toBe(alice.id);
    await helper.unload();
    const again = await load({ roomId: 'r1', speaker: 'participant', channel: 'ch-flow', address: '', version: 1 });
    expect((await send({ payload: 'hi', address: 'bob' })).payload.source.bindingId).toBe(again.bob.id);
    expect((await fails({ payload: 'nobody' })).message).toMatch(/address: is required: set it on the node or as msg.address/);
  });

  it('writes as the system when told to, whoever msg names', async () => {
    const { bob } = await load({ roomId: 'r1', speaker: 'system', version: 1 });
    const msg = await send({ payload: 'maintenance tonight', bindingId: bob.id, address: 'bob' });
    expect(msg.payload.source.bindingId).toBeNull();
  });

  it('names the channel when a participant node has none', async () => {
    await load({ roomId: 'r1', speaker: 'participant', channel: '', address: 'alice', version: 1 });
    expect((await fails({ payload: 'x' })).message).toMatch(/channel: is required/);
  });
});
