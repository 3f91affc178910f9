// roomwire-mute: mutes and unmutes a participant (named by binding id, or by room and address)
// through `updateBinding`; a muted participant's writes are stored blocked and not delivered.
import { afterEach, describe, expect, it } from 'vitest';
import { allNodes, channelConfigs, engineConfig, engineOf, helper, lastStatus, nextMessage, node, onTab, removeTempDirs } from './support';

afterEach(async () => {
  await helper.unload();
  removeTempDirs();
});

async function load(action: string, settings: Record<string, unknown> = {}) {
  await helper.load(allNodes(), [
    engineConfig(),
    ...channelConfigs(),
    ...onTab([
      { id: 'mute', type: 'roomwire-mute', engine: 'engine', action, wires: [['out']], ...settings },
      { id: 'out', type: 'helper' },
      { id: 'caught', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    ]),
  ]);
  const { bindings } = await engineOf().call<{ bindings: { id: string }[] }>('createRoom', {
    id: 'demo',
    bindings: [
      { channelId: 'bots', address: 'alice' },
      { channelId: 'bots', address: 'bob' },
    ],
  });
  return { alice: bindings[0]!.id, bob: bindings[1]!.id };
}

async function run(msg: Record<string, unknown>) {
  const out = nextMessage('out');
  node('mute').receive(msg);
  return out;
}

async function fails(msg: Record<string, unknown>) {
  const caught = nextMessage('caught');
  node('mute').receive(msg);
  return (await caught).error as { message: string; code?: string };
}

const bob = { roomId: 'demo', channelId: 'bots', address: 'bob' };
const say = (bindingId: string) => engineOf().call<{ event: { status: string; blockedBy: string | null } }>('sendEvent', { roomId: 'demo', bindingId, content: { type: 'text', text: 'hi' } });

describe('roomwire-mute', () => {
  it("mutes bob, named by room, channel and address: his messages are stored blocked", async () => {
    const ids = await load('mute');
    const msg = await run(bob);
    expect(msg.payload).toMatchObject({ id: ids.bob, muted: true });
    expect(msg).toMatchObject({ bindingId: ids.bob, roomId: 'demo' });
    expect(lastStatus('mute')).toMatchObject({ text: 'muted bob' });
    expect((await say(ids.bob)).event).toMatchObject({ status: 'blocked', blockedBy: 'muted' });
    expect((await say(ids.alice)).event.status).toBe('committed');
  });

  it('takes mute or unmute from a boolean msg.payload', async () => {
    const ids = await load('payload');
    expect((await run({ ...bob, payload: true })).payload.muted).toBe(true);
    expect((await run({ ...bob, payload: false })).payload.muted).toBe(false);
    expect((await say(ids.bob)).event.status).toBe('committed');
    expect((await fails({ ...bob, payload: 'yes' })).message).toMatch(/payload: must be true/);
  });

  it('toggles', async () => {
    const ids = await load('toggle');
    expect((await run({ bindingId: ids.alice })).payload.muted).toBe(true);
    expect((await run({ bindingId: ids.alice })).payload.muted).toBe(false);
  });

  it('unmutes', async () => {
    const ids = await load('unmute');
    await engineOf().call('updateBinding', { bindingId: ids.bob, muted: true });
    expect((await run({ bindingId: ids.bob })).payload.muted).toBe(false);
  });

  it('fails for a participant it cannot find, or none named', async () => {
    await load('mute');
    expect(await fails({ roomId: 'demo', address: 'zed' })).toMatchObject({ code: 'not_found' });
    expect(await fails({ bindingId: 'bnd_missing' })).toMatchObject({ code: 'not_found', message: expect.stringContaining('bindingId') });
    expect((await fails({})).message).toMatch(/bindingId: is required/);
    expect((await fails({ address: 'bob' })).message).toMatch(/roomId: is required/);
  });
});

describe('roomwire-mute: the participant chosen in its dialog', () => {
  const chosen = { version: 2, target: 'participant', channel: 'ch-flow' };

  it('mutes the participant named by a channel node and an address, in room msg.roomId', async () => {
    const ids = await load('mute', { ...chosen, address: 'bob' });
    const msg = await run({ roomId: 'demo', bindingId: ids.alice });
    expect(msg.payload).toMatchObject({ id: ids.bob, muted: true });
    expect((await say(ids.alice)).event.status).toBe('committed');
  });

  it('takes the address from msg.address when the dialog has none, and names what is missing', async () => {
    const ids = await load('mute', { ...chosen, address: '' });
    expect((await run({ roomId: 'demo', address: 'alice' })).payload).toMatchObject({ id: ids.alice, muted: true });
    expect((await fails({ roomId: 'demo' })).message).toMatch(/address: is required/);
    expect((await fails({ address: 'alice' })).message).toMatch(/roomId: is required/);
  });

  it('refuses a participant choice without a channel node', async () => {
    await load('mute', { ...chosen, channel: '', address: 'bob' });
    expect((await fails({ roomId: 'demo' })).message).toMatch(/channel: is required/);
  });

  it('keeps reading the participant from msg in a node saved before the choice existed (version 1)', async () => {
    const ids = await load('mute', { version: 1, bindingId: '' });
    expect((await run({ bindingId: ids.alice })).payload).toMatchObject({ id: ids.alice, muted: true });
  });
});
