// roomwire-hook: an engine hook implemented by a flow. Sync triggers wait for a hook return (or
// the timeout, with the fail mode); filters decide which events reach it; notification triggers
// only emit; stopping the node removes the hook and fails what is still waiting.
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/receiver';
import {
  allNodes,
  channelConfigs,
  engineConfig,
  engineOf,
  errors,
  helper,
  lastStatus,
  nextMessage,
  node,
  onTab,
  receivesNothing,
  removeTempDirs,
  statuses,
  until,
} from './support';

let receiver: Receiver | undefined;

afterEach(async () => {
  await helper.unload();
  await receiver?.close();
  receiver = undefined;
  removeTempDirs();
});

const hookNode = (settings: Record<string, unknown>) => ({
  id: 'hook',
  type: 'roomwire-hook',
  name: 'moderation',
  engine: 'engine',
  trigger: 'before_broadcast',
  timeoutMs: 2000,
  failMode: 'open',
  wires: [['hooked']],
  ...settings,
});

function flowNodes(settings: Record<string, unknown>) {
  return onTab([
    hookNode(settings),
    { id: 'hooked', type: 'helper' },
    { id: 'allow', type: 'roomwire-hook-return', action: 'allow' },
    { id: 'block', type: 'roomwire-hook-return', action: 'block', reason: 'not here' },
  ]);
}

async function load(settings: Record<string, unknown> = {}, url?: string) {
  const configs = [engineConfig(), ...channelConfigs(url)];
  await helper.load(allNodes(), [...configs, ...flowNodes(settings)]);
  // Registered: a sync hook counts its pending requests, a notification hook names its trigger.
  await until(() => ['0 pending', settings.trigger].includes(lastStatus('hook')?.text), 'the hook to register');
  return configs;
}

async function room(id = 'r1') {
  const { bindings } = await engineOf().call<{ bindings: { id: string }[] }>('createRoom', {
    id,
    bindings: [
      { channelId: 'web', address: 'alice' },
      { channelId: 'web', address: 'bob' },
      { channelId: 'bots', address: 'bot' },
    ],
  });
  return { alice: bindings[0]!.id, bob: bindings[1]!.id, bot: bindings[2]!.id };
}

const say = (roomId: string, bindingId: string, text: string) =>
  engineOf().call<{ event: { status: string; blockedBy: string | null; content: { text: string } } }>('sendEvent', {
    roomId,
    bindingId,
    content: { type: 'text', text },
  });

describe('roomwire-hook: before_broadcast', () => {
  it('emits the event with its room, writer and a request id, and waits for the hook return', async () => {
    await load({ roomId: 'r1' });
    const { alice } = await room();
    const sending = say('r1', alice, 'hello');
    const msg = await nextMessage('hooked');
    expect(msg).toMatchObject({
      topic: 'before_broadcast',
      roomId: 'r1',
      bindingId: alice,
      payload: { roomId: 'r1', index: -1, content: { type: 'text', text: 'hello' } },
      room: { id: 'r1', state: 'active' },
      sourceBinding: { id: alice, address: 'alice' },
      writeGate: null,
      hook: { name: 'moderation', trigger: 'before_broadcast' },
    });
    expect(typeof msg.hook.id).toBe('string');
    // The pending count changes with every request: its status may wait out its interval (node-status.ts).
    await until(() => lastStatus('hook')?.text === '1 pending', 'the status to count the request');
    let settled = false;
    void sending.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    node('block').receive(msg);
    expect((await sending).event).toMatchObject({ status: 'blocked', blockedBy: 'moderation' });
    await until(() => lastStatus('hook')?.text === '0 pending', 'the status to count the request answered');
  });

  it('tells the flow when the writer is muted (the write gate)', async () => {
    await load();
    const { bob } = await room();
    await engineOf().call('updateBinding', { bindingId: bob, muted: true });
    const sending = say('r1', bob, 'quiet');
    const msg = await nextMessage('hooked');
    expect(msg.writeGate).toBe('muted');
    node('allow').receive(msg);
    expect((await sending).event).toMatchObject({ status: 'blocked', blockedBy: 'muted' });
  });

  it('fails closed on timeout: the event is blocked and a late answer finds nothing', async () => {
    await load({ timeoutMs: 150, failMode: 'closed' });
    const { alice } = await room();
    const sending = say('r1', alice, 'nobody answers');
    const msg = await nextMessage('hooked');
    expect((await sending).event).toMatchObject({ status: 'blocked', blockedBy: 'moderation' });
    await until(() => lastStatus('hook')?.text === '0 pending', 'the request to be dropped');
    node('allow').receive(msg);
    await until(() => lastStatus('allow')?.text === 'late: already settled', 'the late answer');
  });

  it('fails open on timeout: the event goes through', async () => {
    await load({ timeoutMs: 150, failMode: 'open' });
    const { alice } = await room();
    expect((await say('r1', alice, 'nobody answers')).event.status).toBe('committed');
  });

  it('only sees the events its filters select; others do not wait', async () => {
    await load({ roomId: 'r1', eventTypes: 'message', channelIds: 'bots', directions: 'outbound' });
    const r1 = await room('r1');
    const r2 = await room('r2');
    const nothing = receivesNothing('hooked', 300);
    expect((await say('r2', r2.bot, 'other room')).event.status).toBe('committed');
    expect((await say('r1', r1.alice, 'other channel')).event.status).toBe('committed');
    expect(await nothing).toBe(true);
    const sending = say('r1', r1.bot, 'selected');
    node('allow').receive(await nextMessage('hooked'));
    expect((await sending).event.status).toBe('committed');
  });
});

describe('roomwire-hook: before_deliver', () => {
  it('decides per receiving participant: a block fails only that delivery', async () => {
    receiver = await startReceiver(200);
    await load({ trigger: 'before_deliver', channelIds: 'web' }, `${receiver.url}{address}`);
    const { alice, bot } = await room();
    const sent = await engineOf().call<{ event: { id: string } }>('sendEvent', { roomId: 'r1', bindingId: bot, content: { type: 'text', text: 'hi' } });
    const first = await nextMessage('hooked');
    node(first.targetBinding.id === alice ? 'block' : 'allow').receive(first);
    const second = await nextMessage('hooked');
    node(second.targetBinding.id === alice ? 'block' : 'allow').receive(second);
    expect([first.targetBinding.address, second.targetBinding.address].sort()).toEqual(['alice', 'bob']);
    const deliveries = await until(async () => {
      const { deliveries } = await engineOf().call<{ deliveries: { bindingId: string; status: string; error: { code: string } | null }[] }>('getDeliveries', { eventId: sent.event.id });
      const web = deliveries.filter((d) => d.bindingId !== bot);
      return web.every((d) => d.status !== 'queued') && web;
    }, 'the deliveries to finish');
    expect(deliveries.find((d) => d.bindingId === alice)).toMatchObject({ status: 'failed', error: { code: 'blocked' } });
    expect(deliveries.find((d) => d.bindingId !== alice)?.status).toBe('delivered');
    expect((await receiver.waitForRequests(1)).map((r) => r.url)).toEqual(['/bob']);
  });
});

describe('roomwire-hook: notification triggers and lifecycle', () => {
  it('emits notifications without waiting for an answer', async () => {
    await load({ trigger: 'on_binding' });
    const next = nextMessage('hooked');
    await room();
    const msg = await next;
    expect(msg).toMatchObject({ topic: 'on_binding', roomId: 'r1', hook: { name: 'moderation', trigger: 'on_binding' } });
    expect(msg.hook.id).toBeUndefined();
    expect(msg.detail).toMatchObject({ change: 'attached' });
  });

  it('removes the hook when stopped and fails what still waits, so the fail mode applies at once', async () => {
    const configs = await load({ timeoutMs: 10_000, failMode: 'closed' });
    const { alice } = await room();
    const sending = say('r1', alice, 'waiting');
    await nextMessage('hooked');
    const started = Date.now();
    await helper.setFlows([...configs, ...onTab([{ id: 'hooked', type: 'helper' }])], 'full');
    expect((await sending).event).toMatchObject({ status: 'blocked', blockedBy: 'moderation' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await say('r1', alice, 'no hook now')).event.status).toBe('committed');
  });

  it('refuses settings the engine cannot run', async () => {
    await helper.load(allNodes(), [engineConfig(), ...flowNodes({ timeoutMs: 0 })]);
    expect(errors('hook').join()).toMatch(/timeoutMs/);
    expect(statuses('hook').at(-1)).toMatchObject({ fill: 'red', text: 'invalid settings' });
  });

  it('keeps showing invalid settings once the engine opens: a hook that never registered is not "ready"', async () => {
    await helper.load(allNodes(), [engineConfig(), ...flowNodes({ timeoutMs: 0 })]);
    // Another node of the flow opens the engine, which tells every node using it that it is ready.
    await engineOf().ready();
    expect(statuses('hook').at(-1)).toMatchObject({ fill: 'red', text: 'invalid settings' });
  });
});

describe('roomwire-hook: channel nodes', () => {
  it('only sees events written on the channel nodes of its list', async () => {
    await load({ version: 2, channels: ['ch-flow'], channelIds: '' });
    const r1 = await room('r1');
    const nothing = receivesNothing('hooked', 300);
    expect((await say('r1', r1.alice, 'other channel')).event.status).toBe('committed');
    expect(await nothing).toBe(true);
    const sending = say('r1', r1.bot, 'selected');
    node('allow').receive(await nextMessage('hooked'));
    expect((await sending).event.status).toBe('committed');
  });

  it('refuses a list naming a channel node that is not deployed, naming the entry', async () => {
    await helper.load(allNodes(), [engineConfig(), ...channelConfigs(), ...flowNodes({ version: 2, channels: ['ch-flow', 'ch-gone'] })]);
    expect(errors('hook').join()).toMatch(/channels\[1\]/);
    expect(statuses('hook').at(-1)).toMatchObject({ fill: 'red', text: 'invalid settings' });
  });

  it('turns the channel ids typed in a version 1 node into channel nodes as it loads', async () => {
    await load({ version: 1, channelIds: 'bots' });
    const r1 = await room('r1');
    const nothing = receivesNothing('hooked', 300);
    expect((await say('r1', r1.alice, 'other channel')).event.status).toBe('committed');
    expect(await nothing).toBe(true);
    const sending = say('r1', r1.bot, 'selected');
    node('allow').receive(await nextMessage('hooked'));
    expect((await sending).event.status).toBe('committed');
  });
});
