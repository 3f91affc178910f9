// The `roomwire-fallback` node in a Node-RED runtime (node-red-node-test-helper): it sets and
// clears a binding's fallback policy through the `setFallback` operation, emits each fallback step
// on its second output (filtered by room when configured), shows status and reports errors
// through done(err).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import channelNode from '../../nodes/roomwire-channel';
import engineNode from '../../nodes/roomwire-engine';
import fallbackNode from '../../nodes/roomwire-fallback';
import type { Binding, Room, RoomEvent } from '../../runtime/src';
import { cleanup, startReceiver, tempDir, until, type Receiver } from '../delivery/support/harness';
import type { FlowNode } from './support';

helper.init(createRequire(import.meta.url).resolve('node-red'));

interface Msg {
  topic?: string;
  payload?: any;
  roomId?: string;
  bindingId?: string;
  eventId?: string;
  [key: string]: unknown;
}

interface SpyCall {
  thisValue: unknown;
  args: unknown[];
}

interface TestNode {
  receive(msg: Msg): void;
  on(event: string, listener: (arg: any) => void): void;
  shared: { call<T>(operation: string, input: unknown): Promise<T> };
}

const node = (id: string) => helper.getNode(id) as unknown as TestNode;

/**
 * What one node passed to a method the helper spies on (status, error): the spy sits on the Node
 * prototype and is shared by every node, so calls are told apart by their `this`.
 */
function calls(id: string, method: 'status' | 'error'): unknown[] {
  const target = node(id);
  const spy = (target as unknown as Record<string, { getCalls(): SpyCall[] }>)[method]!;
  return spy.getCalls().filter((c) => c.thisValue === target).map((c) => c.args[0]);
}

const lastStatus = (id: string) => calls(id, 'status').at(-1);
const errors = (id: string) => calls(id, 'error').map(String);

let receiver: Receiver;

beforeAll(async () => {
  await new Promise<void>((resolve) => helper.startServer(() => resolve()));
});
afterAll(async () => {
  await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
});
afterEach(async () => {
  await helper.unload();
  await cleanup();
});

/** A fallback node: its id and the settings that differ from the ones `flow` gives it. */
interface FallbackSettings {
  id: string;
  [setting: string]: unknown;
}

/** Engine + channels `sms` (its provider answers 400: every send fails), `email` and `console` (200). */
function flow(fallbacks: FallbackSettings[]): FlowNode[] {
  const dbPath = join(tempDir(), 'node.sqlite');
  const channel = (id: string, path: string) => ({
    id: `ch-${id}`,
    type: 'roomwire-channel',
    engine: 'engine',
    channelId: id,
    channelType: 'webhook',
    outboundUrl: `${receiver.url}${path}/{address}`,
  });
  return [
    { id: 'engine', type: 'roomwire-engine', database: dbPath, httpPrefix: `/rw-${Math.random().toString(36).slice(2)}` },
    channel('sms', 'fail'),
    channel('email', 'ok'),
    channel('console', 'ok'),
    ...fallbacks.map((f) => ({ type: 'roomwire-fallback', engine: 'engine', wires: [['out'], ['steps']], ...f })),
    { id: 'out', type: 'helper' },
    { id: 'steps', type: 'helper' },
  ];
}

async function load(fallbacks: FallbackSettings[]) {
  receiver = await startReceiver((r) => (r.url.startsWith('/fail/') ? { status: 400 } : { status: 200 }));
  await helper.load([engineNode, channelNode, fallbackNode], flow(fallbacks));
  const shared = node('engine').shared;
  // Channel registration is under way; the engine's own calls wait for it.
  const room = async () => {
    const created = await shared.call<{ room: Room; bindings: Binding[] }>('createRoom', {
      bindings: [
        { channelId: 'console', address: 'agent' },
        { channelId: 'sms', address: '+15550001' },
      ],
    });
    return { room: created.room, agent: created.bindings[0]!, customer: created.bindings[1]! };
  };
  return { shared, room };
}

/** The next message on a helper node. */
function next(id: string): Promise<Msg> {
  return new Promise((resolve) => node(id).on('input', resolve));
}

describe('roomwire-fallback: setting the policy', () => {
  it('sets the configured policy on msg.bindingId and outputs the binding', async () => {
    const { room } = await load([{ id: 'f', channels: 'email, console', after: 'PT2M', onFailed: true, onNoReceipt: true, onUndelivered: false, onOutsideWindow: false }]);
    const { room: r, customer } = await room();
    const out = next('out');
    node('f').receive({ bindingId: customer.id, topic: 'keep me' });
    const msg = await out;
    expect(msg).toMatchObject({ topic: 'keep me', bindingId: customer.id, roomId: r.id });
    expect(msg.payload).toMatchObject({ id: customer.id, fallback: { channels: ['email', 'console'], after: 'PT2M', on: ['failed', 'no_receipt'] } });
    expect(lastStatus('f')).toMatchObject({ fill: 'green', text: '+15550001 → email, console' });
  });

  it('names the participant by msg.roomId and msg.address; msg.fallback overrides the settings', async () => {
    const { shared, room } = await load([{ id: 'f', channels: 'email', onFailed: true }]);
    const { room: r, customer } = await room();
    const out = next('out');
    const policy = { channels: ['console'], after: 'PT30S', on: ['no_receipt'] };
    node('f').receive({ roomId: r.id, address: '+15550001', fallback: policy });
    expect((await out).payload.fallback).toEqual(policy);
    expect((await shared.call<Binding>('getBinding', { bindingId: customer.id })).fallback).toEqual(policy);
  });

  it('clears the policy on msg.payload === null, on msg.fallback === null, and with the action `clear`', async () => {
    const { shared, room } = await load([
      { id: 'f', channels: 'email', onFailed: true },
      { id: 'clearing', action: 'clear' },
    ]);
    const { customer } = await room();
    const fallbackOf = async () => (await shared.call<Binding>('getBinding', { bindingId: customer.id })).fallback ?? null;
    const set = async () => {
      const out = next('out');
      node('f').receive({ bindingId: customer.id, payload: 'set' });
      await out;
      expect(await fallbackOf()).not.toBeNull();
    };
    for (const [id, msg] of [
      ['f', { payload: null }],
      ['f', { fallback: null, payload: 'anything' }],
      ['clearing', { payload: 'anything' }],
    ] as const) {
      await set();
      const out = next('out');
      node(id).receive({ bindingId: customer.id, ...msg });
      expect((await out).payload.fallback).toBeNull();
      expect(await fallbackOf()).toBeNull();
      expect(lastStatus(id)).toMatchObject({ fill: 'grey', text: '+15550001: no fallback' });
    }
  });

  it('reports what the engine refuses through done(err), naming the field, and shows it', async () => {
    const { room } = await load([{ id: 'f', channels: 'nowhere', onFailed: true }]);
    const { customer } = await room();
    const refused = async (msg: Msg, field: string) => {
      const before = errors('f').length;
      node('f').receive(msg);
      const [error] = await until(() => errors('f').length > before && errors('f').slice(before), `the error about ${field}`);
      expect(error).toContain(field);
      expect(lastStatus('f')).toMatchObject({ fill: 'red', shape: 'ring' });
    };
    await refused({ bindingId: customer.id }, 'fallback.channels[0]');
    await refused({ bindingId: customer.id, fallback: { channels: ['email'], on: ['no_receipt'] } }, 'fallback.after');
    await refused({ bindingId: customer.id, fallback: 'email' }, 'msg.fallback');
    await refused({ payload: 'no participant named' }, 'bindingId');
    await refused({ bindingId: 'bnd_unknown', payload: null }, 'bnd_unknown');
  });
});

describe('roomwire-fallback: the second output', () => {
  it('emits each fallback step as it happens: the failed delivery, the reason, the step and the new delivery', async () => {
    const { shared, room } = await load([{ id: 'f', channels: 'email', onFailed: true }]);
    const { room: r, agent, customer } = await room();
    const out = next('out');
    node('f').receive({ bindingId: customer.id });
    await out;
    const steps: Msg[] = [];
    node('steps').on('input', (msg: Msg) => steps.push(msg));
    const { event } = await shared.call<{ event: RoomEvent }>('sendEvent', { roomId: r.id, bindingId: agent.id, content: { type: 'text', text: 'hello' } });
    await until(() => steps.length === 1, 'the fallback step');
    const [step] = steps;
    expect(step).toMatchObject({ topic: 'fallback', roomId: r.id, eventId: event.id, bindingId: customer.id });
    expect(step!.payload).toMatchObject({
      roomId: r.id,
      eventId: event.id,
      reason: 'failed',
      step: 1,
      from: { bindingId: customer.id, channelId: 'sms', status: 'failed', error: { code: 'http_400' } },
      to: { channelId: 'email', fallbackOf: step!.payload.from.id },
    });
    await until(() => receiver.to('ok').some((r) => r.body.eventId === event.id), 'the email send');
    expect(lastStatus('f')).toMatchObject({ fill: 'yellow', text: 'step 1 → email (failed)' });
  });

  it('reports the end of the chain, and only steps of the configured room', async () => {
    const { shared, room } = await load([
      { id: 'f', channels: 'email', onFailed: true },
      { id: 'other', roomId: 'some-other-room', wires: [[], []] },
    ]);
    const { room: r, agent, customer } = await room();
    await shared.call('setFallback', { bindingId: customer.id, fallback: { channels: ['email'], on: ['failed'] } });
    receiver.answer(() => ({ status: 403 }));
    const steps: Msg[] = [];
    node('steps').on('input', (msg: Msg) => steps.push(msg));
    await shared.call('sendEvent', { roomId: r.id, bindingId: agent.id, content: { type: 'text', text: 'hello' } });
    await until(() => steps.length === 2, 'two steps');
    expect(steps.map((s) => [s.payload.step, s.payload.reason, s.payload.to?.channelId ?? null])).toEqual([
      [1, 'failed', 'email'],
      [2, 'failed', null],
    ]);
    expect(lastStatus('f')).toMatchObject({ fill: 'red', text: 'step 2 no channels left (failed)' });
    // The node filtering on another room stayed silent (its second output is wired to nothing here).
    expect(calls('other', 'status').map((status) => (status as { text: string }).text)).not.toContainEqual(expect.stringMatching(/^step/));
  });
});

describe('roomwire-fallback without an engine', () => {
  it('shows it and fails every message', async () => {
    const unconfigured: FlowNode = { id: 'f', type: 'roomwire-fallback', engine: '', wires: [[], []] };
    await helper.load([fallbackNode], [unconfigured]);
    expect(calls('f', 'status')[0]).toMatchObject({ fill: 'red', text: 'no engine' });
    node('f').receive({ bindingId: 'bnd_x' });
    const [error] = await until(() => errors('f').length > 0 && errors('f'), 'the error');
    expect(error).toContain('engine');
  });
});

describe('roomwire-fallback: channel nodes and the participant chosen in its dialog', () => {
  it('falls back through the channel nodes of its list, to the participant named by channel node and address', async () => {
    const { room } = await load([{ id: 'f', version: 2, target: 'participant', channel: 'ch-sms', address: '', channels: ['ch-email', 'ch-console'], channelIds: '', after: '', onFailed: true }]);
    const { room: r, customer } = await room();
    const out = next('out');
    node('f').receive({ roomId: r.id, address: '+15550001' });
    const msg = await out;
    expect(msg.payload).toMatchObject({ id: customer.id, fallback: { channels: ['email', 'console'], on: ['failed'] } });
    expect(lastStatus('f')).toMatchObject({ fill: 'green', text: '+15550001 → email, console' });
  });

  it('refuses a list naming a channel node that is not deployed, naming the entry', async () => {
    const { room } = await load([{ id: 'f', version: 2, target: 'msg', channels: ['ch-email', 'ch-gone'], onFailed: true }]);
    const { customer } = await room();
    node('f').receive({ bindingId: customer.id });
    const [error] = await until(() => errors('f').length > 0 && errors('f'), 'the error');
    expect(error).toContain('channels[1]');
  });

  it('migrates channel ids typed in a version 1 node to channel nodes, and keeps reading the participant from msg', async () => {
    const { room } = await load([{ id: 'f', version: 1, bindingId: '', channels: 'email, console', onFailed: true }]);
    const { customer } = await room();
    const out = next('out');
    node('f').receive({ bindingId: customer.id });
    expect((await out).payload.fallback.channels).toEqual(['email', 'console']);
  });

  it('keeps the typed channel ids of a version 1 node when not all of them name a channel node', async () => {
    const { room } = await load([{ id: 'f', version: 1, bindingId: '', channels: 'email, pager', onFailed: true }]);
    const { customer } = await room();
    node('f').receive({ bindingId: customer.id });
    // The engine refuses the unknown channel (the second), as it did before the migration.
    const [error] = await until(() => errors('f').length > 0 && errors('f'), 'the error');
    expect(error).toContain('fallback.channels[1]');
  });
});
