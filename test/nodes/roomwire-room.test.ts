// roomwire-room: create (idempotent, with bindings), attach, detach, get and the state operations,
// each through the operations table; results and room ids on msg, errors through done(err).
import { afterEach, describe, expect, it } from 'vitest';
import { allNodes, channelConfigs, engineConfig, helper, lastStatus, nextMessage, node, onTab, removeTempDirs, type FlowNode } from './support';

afterEach(async () => {
  await helper.unload();
  removeTempDirs();
});

const roomNode = (id: string, operation: string, roomId = '') => ({ id, type: 'roomwire-room', engine: 'engine', operation, roomId, wires: [['out']] });

async function load(...roomNodes: FlowNode[]) {
  await helper.load(allNodes(), [
    engineConfig(),
    ...channelConfigs(),
    ...onTab([
      ...roomNodes,
      { id: 'out', type: 'helper' },
      { id: 'caught', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    ]),
  ]);
}

async function run(id: string, msg: Record<string, unknown>) {
  const out = nextMessage('out');
  node(id).receive(msg);
  return out;
}

async function fails(id: string, msg: Record<string, unknown>) {
  const caught = nextMessage('caught');
  node(id).receive(msg);
  return (await caught).error as { message: string; code?: string };
}

const bindings = [
  { channelId: 'web', address: 'alice' },
  { channelId: 'bots', address: 'observer', audience: 'internal', access: 'read_only' },
];

describe('roomwire-room: create', () => {
  it('creates the configured room with the bindings of msg.payload', async () => {
    await load(roomNode('create', 'create', 'support-1'));
    const msg = await run('create', { payload: { bindings, metadata: { topic: 'billing' } }, topic: 'kept' });
    expect(msg.roomId).toBe('support-1');
    expect(msg.topic).toBe('kept');
    expect(msg.payload.created).toBe(true);
    expect(msg.payload.room).toMatchObject({ id: 'support-1', state: 'active', metadata: { topic: 'billing' } });
    expect(msg.payload.bindings.map((b: { address: string; access: string }) => [b.address, b.access])).toEqual([
      ['alice', 'read_write'],
      ['observer', 'read_only'],
    ]);
    expect(lastStatus('create')).toMatchObject({ fill: 'green', text: 'create support-1' });
  });

  it('is idempotent: creating again returns the room and attaches only what it lacks', async () => {
    await load(roomNode('create', 'create', 'support-1'));
    await run('create', { payload: { bindings: [bindings[0]] } });
    const again = await run('create', { payload: { bindings } });
    expect(again.payload.created).toBe(false);
    expect(again.payload.bindings).toHaveLength(2);
  });

  it('creates an empty room with a new id from a bare trigger, or the id of msg.payload / msg.roomId', async () => {
    await load(roomNode('create', 'create'));
    const bare = await run('create', { payload: 1700000000000 });
    expect(bare.roomId).toMatch(/^rm_/);
    expect((await run('create', { payload: { id: 'from-payload' } })).roomId).toBe('from-payload');
    expect((await run('create', { payload: 'x', roomId: 'from-msg' })).roomId).toBe('from-msg');
  });

  it('fails with the field the engine names', async () => {
    await load(roomNode('create', 'create'));
    const error = await fails('create', { payload: { bindings: [{ channelId: 'web' }] } });
    expect(error.message).toContain('bindings[0].address');
    expect(error.code).toBe('invalid_input');
  });
});

describe('roomwire-room: participants listed on the node', () => {
  const listed = [
    { channel: 'ch-web', address: 'alice', displayName: 'Alice', audience: 'external', access: 'read_write', visibility: 'all', muted: false },
    { channel: 'ch-flow', address: 'observer', audience: 'internal', access: 'read_only', visibility: 'all', muted: true },
  ];

  it('creates the room with them, each on the channel its channel node registers', async () => {
    await load({ ...roomNode('create', 'create', 'listed'), participants: listed, version: 1 });
    const msg = await run('create', { payload: 1700000000000 });
    expect(msg.payload.bindings.map((b: Record<string, unknown>) => [b.channelId, b.address, b.audience, b.access, b.muted])).toEqual([
      ['web', 'alice', 'external', 'read_write', false],
      ['bots', 'observer', 'internal', 'read_only', true],
    ]);
  });

  it('attaches them to the room of msg.roomId', async () => {
    await load(roomNode('create', 'create', 'r2'), { ...roomNode('attach', 'attach'), participants: listed, version: 1 });
    await run('create', {});
    const msg = await run('attach', { roomId: 'r2' });
    expect(msg.payload.map((r: { binding: { address: string } }) => r.binding.address)).toEqual(['alice', 'observer']);
  });

  it('names the participant whose channel node is missing', async () => {
    await load({ ...roomNode('create', 'create', 'r3'), participants: [listed[0], { ...listed[1], channel: 'deleted-channel' }], version: 1 });
    expect((await fails('create', {})).message).toMatch(/channel/);
    await helper.unload();
    await load({ ...roomNode('create2', 'create', 'r3'), participants: [{ ...listed[0], address: ' ' }], version: 1 });
    expect((await fails('create2', {})).message).toMatch(/participants\[0\]\.address: is required/);
  });
});

describe('roomwire-room: participants', () => {
  it('attaches msg.payload to the room of msg.roomId', async () => {
    await load(roomNode('create', 'create', 'r1'), roomNode('attach', 'attach'));
    await run('create', {});
    const msg = await run('attach', { roomId: 'r1', payload: { channelId: 'web', address: 'bob', displayName: 'Bob' } });
    expect(msg.roomId).toBe('r1');
    expect(msg.payload).toMatchObject({ created: true, binding: { roomId: 'r1', channelId: 'web', address: 'bob' } });
  });

  it('needs an object to attach', async () => {
    await load(roomNode('attach', 'attach', 'r1'));
    expect((await fails('attach', { payload: 'bob' })).message).toMatch(/payload: must be an object/);
  });

  it('detaches a participant named by address; the binding leaves the room', async () => {
    await load(roomNode('create', 'create', 'r1'), roomNode('detach', 'detach'));
    await run('create', { payload: { bindings } });
    const msg = await run('detach', { roomId: 'r1', address: 'alice' });
    expect(msg.payload).toMatchObject({ address: 'alice', state: 'left' });
    expect(msg.roomId).toBe('r1');
  });

  it('fails to detach a participant the room does not have', async () => {
    await load(roomNode('create', 'create', 'r1'), roomNode('detach', 'detach'));
    await run('create', {});
    const error = await fails('detach', { roomId: 'r1', payload: { address: 'nobody' } });
    expect(error).toMatchObject({ code: 'not_found' });
    expect(error.message).toMatch(/address: "nobody" is not a participant/);
  });
});

describe('roomwire-room: get and state', () => {
  it('reads a room and moves it through pause, resume, close and archive', async () => {
    const ops = ['get', 'pause', 'resume', 'close', 'archive'];
    await load(roomNode('create', 'create', 'r1'), ...ops.map((op) => roomNode(op, op)));
    await run('create', { payload: { bindings } });
    expect((await run('get', { roomId: 'r1' })).payload.bindings).toHaveLength(2);
    expect((await run('pause', { roomId: 'r1' })).payload.state).toBe('paused');
    expect((await run('resume', { roomId: 'r1' })).payload.state).toBe('active');
    expect((await run('close', { roomId: 'r1' })).payload.state).toBe('closed');
    expect((await run('archive', { roomId: 'r1' })).payload.state).toBe('archived');
  });

  it('fails for an unknown room, and without a room id', async () => {
    await load(roomNode('get', 'get'));
    expect(await fails('get', { roomId: 'missing' })).toMatchObject({ code: 'not_found' });
    expect((await fails('get', {})).message).toMatch(/roomId: is required/);
    expect(lastStatus('get')).toMatchObject({ fill: 'red' });
  });
});
