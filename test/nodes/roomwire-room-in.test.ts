// roomwire-room-in: the engine's stream into a flow. Events mode: events, side effects and
// deliveries, filtered by room, type, channel and blocked state. Participant mode: what the
// participants of a flow channel receive, also after that channel's node is redeployed.
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/receiver';
import {
  allNodes,
  channelConfigs,
  engineConfig,
  engineOf,
  helper,
  lastStatus,
  nextMessage,
  nextMessages,
  onTab,
  receivesNothing,
  removeTempDirs,
  until,
} from './support';

let receiver: Receiver | undefined;

afterEach(async () => {
  await helper.unload();
  await receiver?.close();
  receiver = undefined;
  removeTempDirs();
});

const roomIn = (settings: Record<string, unknown>) => ({ id: 'in', type: 'roomwire-room-in', engine: 'engine', mode: 'events', wires: [['out']], ...settings });

async function load(settings: Record<string, unknown>, configs = [engineConfig(), ...channelConfigs()]) {
  await helper.load(allNodes(), [...configs, ...onTab([roomIn(settings), { id: 'out', type: 'helper' }])]);
  await until(() => lastStatus('in')?.text === 'listening', 'room in to listen');
}

/** Room r1: alice (flow channel), bob (flow channel) and carol (webhook channel). */
async function room(id = 'r1') {
  const { bindings } = await engineOf().call<{ bindings: { id: string }[] }>('createRoom', {
    id,
    bindings: [
      { channelId: 'bots', address: 'alice' },
      { channelId: 'bots', address: 'bob' },
      { channelId: 'web', address: 'carol' },
    ],
  });
  return { alice: bindings[0]!.id, bob: bindings[1]!.id, carol: bindings[2]!.id };
}

const say = (roomId: string, bindingId: string, text: string, extra: Record<string, unknown> = {}) =>
  engineOf().call<{ event: { id: string } }>('sendEvent', { roomId, bindingId, content: { type: 'text', text }, ...extra });

describe('roomwire-room-in: events mode', () => {
  it('emits each message event with its type and ids', async () => {
    await load({ eventTypes: 'message' });
    const { alice } = await room();
    const next = nextMessage('out');
    const { event } = await say('r1', alice, 'hello', { correlationId: 'corr-1' });
    const msg = await next;
    expect(msg).toMatchObject({ topic: 'message', roomId: 'r1', eventId: event.id, bindingId: alice, correlationId: 'corr-1' });
    expect(msg.payload).toMatchObject({ id: event.id, content: { text: 'hello' }, status: 'committed' });
    // A status that changes with every message may wait out its interval (node-status.ts).
    await until(() => /^message \d\d:\d\d:\d\d$/.test(lastStatus('in')?.text ?? ''), 'the status to show the emitted message');
  });

  it('filters by room, type and source channel', async () => {
    await load({ roomId: 'r2', eventTypes: 'message', channelIds: 'web' });
    const r1 = await room('r1');
    const r2 = await room('r2');
    const next = nextMessages('out', 1);
    await say('r1', r1.carol, 'other room');
    await say('r2', r2.alice, 'other channel');
    await engineOf().call('sendEvent', { roomId: 'r2', type: 'system', content: { type: 'system', text: 'other type' } });
    await say('r2', r2.carol, 'this one');
    expect((await next)[0]!.payload.content.text).toBe('this one');
    expect(await receivesNothing('out')).toBe(true);
  });

  it('leaves blocked events out unless asked for', async () => {
    await load({ eventTypes: 'message' });
    const { bob } = await room();
    await engineOf().call('updateBinding', { bindingId: bob, muted: true });
    const next = receivesNothing('out');
    await say('r1', bob, 'muted');
    expect(await next).toBe(true);
  });

  it('includes blocked events when asked for', async () => {
    await load({ eventTypes: 'message', includeBlocked: true });
    const { bob } = await room();
    await engineOf().call('updateBinding', { bindingId: bob, muted: true });
    const next = nextMessage('out');
    await say('r1', bob, 'muted');
    const msg = await next;
    expect(msg.payload).toMatchObject({ status: 'blocked', blockedBy: 'muted' });
    expect(msg).toMatchObject({ blockedBy: 'muted', blockReason: null });
  });

  it("carries a hook's block reason on the msg", async () => {
    await load({ eventTypes: 'message', includeBlocked: true });
    const { bob } = await room();
    (await engineOf().ready()).registerHook({ name: 'moderation', trigger: 'before_broadcast' }, () => ({ action: 'block', reason: 'spam' }));
    const next = nextMessage('out');
    await say('r1', bob, 'buy now');
    expect(await next).toMatchObject({ blockedBy: 'moderation', blockReason: 'spam', payload: { blockReason: 'spam' } });
  });

  it('emits tasks, binding changes and deliveries under their own types', async () => {
    receiver = await startReceiver(200);
    await load({ eventTypes: 'task,binding,delivery', channelIds: '' }, [engineConfig(), ...channelConfigs(`${receiver.url}{address}`)]);
    const first = nextMessages('out', 3);
    const { alice } = await room();
    expect((await first).map((m) => m.topic)).toEqual(['binding', 'binding', 'binding']);
    const task = nextMessage('out');
    await engineOf().call('createTask', { roomId: 'r1', title: 'Call back' });
    expect(await task).toMatchObject({ topic: 'task', roomId: 'r1', payload: { kind: 'task', data: { title: 'Call back' } } });
    const delivered = nextMessage('out');
    const { event } = await say('r1', alice, 'to bob');
    expect(await delivered).toMatchObject({ topic: 'delivery', eventId: event.id, payload: { eventId: event.id } });
  });

  it('sends a copy: a flow changing msg.payload does not change the room', async () => {
    await load({ eventTypes: 'message' });
    const { alice } = await room();
    const next = nextMessage('out');
    await say('r1', alice, 'original');
    (await next).payload.content.text = 'changed by a flow';
    const { events } = await engineOf().call<{ events: { content: { text?: string } }[] }>('getTimeline', { roomId: 'r1' });
    expect(events.map((e) => e.content.text)).toContain('original');
    expect(events.map((e) => e.content.text)).not.toContain('changed by a flow');
  });
});

describe('roomwire-room-in: participant mode', () => {
  it("emits what the flow channel's participants receive, with the receiving binding", async () => {
    await load({ mode: 'participant', channelId: 'bots' });
    const { alice, bob } = await room();
    const next = nextMessages('out', 2);
    const { event } = await say('r1', (await room()).carol, 'hi all', { correlationId: 'c-9' });
    const received = await next;
    expect(received.map((m) => m.bindingId).sort()).toEqual([alice, bob].sort());
    expect(received[0]).toMatchObject({ topic: 'message', roomId: 'r1', eventId: event.id, correlationId: 'c-9' });
    expect(received[0]!.payload).toMatchObject({ eventId: event.id, roomId: 'r1', type: 'message', content: { type: 'text', text: 'hi all' } });
    expect(['alice', 'bob']).toContain(received[0]!.address);
    expect(received[0]!.payload.event.source.bindingId).toBeDefined();
  });

  it('keeps receiving after its channel node is redeployed', async () => {
    const configs = [engineConfig(), ...channelConfigs()];
    await load({ mode: 'participant', channelId: 'bots' }, configs);
    const { alice, carol } = await room();
    const flows = [...configs.map((c) => (c.id === 'ch-flow' ? { ...c, profile: 'webchat' } : c)), ...onTab([roomIn({ mode: 'participant', channelId: 'bots' }), { id: 'out', type: 'helper' }])];
    // Only the changed channel node restarts; the room in node keeps running.
    await helper.setFlows(flows, 'nodes');
    const next = nextMessages('out', 2);
    await say('r1', carol, 'after the redeploy');
    expect((await next).map((m) => m.bindingId)).toContain(alice);
  });

  it('shows that a channel is not a flow channel', async () => {
    await helper.load(allNodes(), [engineConfig(), ...channelConfigs(), ...onTab([roomIn({ mode: 'participant', channelId: 'web' }), { id: 'out', type: 'helper' }])]);
    await until(() => lastStatus('in')?.fill === 'red', 'the red status');
    expect(lastStatus('in')?.text).toMatch(/channel web is not a flow/);
  });

  it('takes part through the channel node it names', async () => {
    await load({ mode: 'participant', channel: 'ch-flow', version: 1 });
    const { alice, carol } = await room();
    const next = nextMessages('out', 2);
    await say('r1', carol, 'through the channel node');
    expect((await next).map((m) => m.bindingId)).toContain(alice);
  });
});

describe('roomwire-room-in: a channel node as the filter', () => {
  it("emits only the events of the channel node's channel when asked to", async () => {
    await load({ channel: 'ch-web', onlyChannel: true, eventTypes: 'message', version: 1 });
    const { alice, carol } = await room();
    const next = nextMessage('out');
    await say('r1', alice, 'from the flow channel');
    await say('r1', carol, 'from the webhook channel');
    expect((await next).payload.content.text).toBe('from the webhook channel');
  });
});
