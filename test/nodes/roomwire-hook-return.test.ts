// roomwire-hook-return: answers the request named by msg.hook.id with the configured decision or
// the msg's (action, reason, payload for modify) plus side effects (tasks, observations, injected
// events, room metadata); an answer the engine rejects fails the hook, so its fail mode decides.
import { afterEach, describe, expect, it } from 'vitest';
import {
  allNodes,
  channelConfigs,
  engineConfig,
  engineOf,
  helper,
  lastStatus,
  nextMessage,
  node,
  onTab,
  removeTempDirs,
  until,
  warnings,
} from './support';

afterEach(async () => {
  await helper.unload();
  removeTempDirs();
});

async function load(failMode: 'open' | 'closed' = 'open') {
  await helper.load(allNodes(), [
    engineConfig(),
    ...channelConfigs(),
    ...onTab([
      { id: 'hook', type: 'roomwire-hook', name: 'moderation', engine: 'engine', trigger: 'before_broadcast', timeoutMs: 2000, failMode, wires: [['hooked']] },
      { id: 'hooked', type: 'helper' },
      { id: 'from-msg', type: 'roomwire-hook-return', action: 'msg' },
      { id: 'block', type: 'roomwire-hook-return', action: 'block', reason: 'configured reason' },
      { id: 'modify', type: 'roomwire-hook-return', action: 'modify' },
      { id: 'caught', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    ]),
  ]);
  await until(() => lastStatus('hook')?.text === '0 pending', 'the hook to register');
  const { bindings } = await engineOf().call<{ bindings: { id: string }[] }>('createRoom', {
    id: 'r1',
    bindings: [
      { channelId: 'bots', address: 'alice' },
      { channelId: 'bots', address: 'bob' },
    ],
  });
  return { alice: bindings[0]!.id, bob: bindings[1]!.id };
}

/** Alice writes; the flow's answer is `answer(hookMsg)` given to `returnNode`. */
async function decide(alice: string, returnNode: string, answer: (msg: Record<string, any>) => Record<string, unknown>) {
  const sending = engineOf().call<{ event: any; injected: any[] }>('sendEvent', { roomId: 'r1', bindingId: alice, content: { type: 'text', text: 'original' } });
  const hooked = await nextMessage('hooked');
  node(returnNode).receive(answer(hooked));
  return sending;
}

const sideEffects = async () => (await engineOf().call<{ sideEffects: any[] }>('listSideEffects', { roomId: 'r1' })).sideEffects;

describe('roomwire-hook-return', () => {
  it('allows when the msg asks for nothing', async () => {
    const { alice } = await load();
    const { event } = await decide(alice, 'from-msg', (msg) => msg);
    expect(event.status).toBe('committed');
    expect(lastStatus('from-msg')).toMatchObject({ fill: 'green', text: 'allow' });
  });

  it("blocks with the node's reason and stores the msg's tasks and observations anyway", async () => {
    const { alice } = await load();
    const { event } = await decide(alice, 'block', (msg) => ({
      ...msg,
      tasks: [{ title: 'Review message from alice', description: 'original' }],
      observations: [{ content: 'possible spam', confidence: 0.4 }],
    }));
    expect(event).toMatchObject({ status: 'blocked', blockedBy: 'moderation' });
    const effects = await sideEffects();
    expect(effects.map((e) => [e.kind, e.producedBy, e.eventId])).toEqual([
      ['task', 'moderation', event.id],
      ['observation', 'moderation', event.id],
    ]);
    expect(effects[0].data).toMatchObject({ title: 'Review message from alice', status: 'open' });
  });

  it('takes the decision from msg.action and msg.reason', async () => {
    const { alice } = await load();
    const { event } = await decide(alice, 'from-msg', (msg) => ({ ...msg, action: 'block', reason: 'from the msg' }));
    expect(event).toMatchObject({ status: 'blocked', blockedBy: 'moderation', blockReason: 'from the msg' });
  });

  it("modifies: the content and metadata of msg.payload replace the original's", async () => {
    const { alice } = await load();
    const { event } = await decide(alice, 'modify', (msg) => ({
      ...msg,
      payload: { ...msg.payload, content: { type: 'text', text: 'redacted' }, metadata: { redacted: true } },
    }));
    expect(event).toMatchObject({ status: 'committed', content: { text: 'redacted' }, metadata: { redacted: true } });
  });

  it('injects events and updates room metadata', async () => {
    const { alice, bob } = await load();
    const { injected } = await decide(alice, 'from-msg', (msg) => ({
      ...msg,
      inject: [{ content: { type: 'text', text: 'a note for bob' }, to: [bob] }],
      metadataUpdates: { moderated: true },
    }));
    expect(injected).toEqual([expect.objectContaining({ content: { type: 'text', text: 'a note for bob' }, visibility: [bob] })]);
    const { room } = await engineOf().call<{ room: { metadata: Record<string, unknown> } }>('getRoom', { roomId: 'r1' });
    expect(room.metadata).toMatchObject({ moderated: true });
  });

  it("leaves a decision the engine rejects to the hook's fail mode", async () => {
    const { alice } = await load('closed');
    const { event } = await decide(alice, 'from-msg', (msg) => ({ ...msg, tasks: [{ description: 'no title' }] }));
    expect(event).toMatchObject({ status: 'blocked', blockedBy: 'moderation' });
    expect(await sideEffects()).toEqual([]);
  });

  it('fails the node and the request when modify has no event to apply', async () => {
    const { alice } = await load('closed');
    const caught = nextMessage('caught');
    const { event } = await decide(alice, 'modify', (msg) => ({ ...msg, payload: 'not an event' }));
    expect(event).toMatchObject({ status: 'blocked', blockedBy: 'moderation' });
    expect((await caught).error.message).toMatch(/msg\.payload: must be the event/);
  });

  it('fails without msg.hook.id', async () => {
    await load();
    const caught = nextMessage('caught');
    node('from-msg').receive({ payload: 'x' });
    expect((await caught).error.message).toMatch(/msg\.hook\.id: is missing/);
  });

  it('warns about an answer to a request that is no longer pending', async () => {
    const { alice } = await load();
    await decide(alice, 'from-msg', (msg) => msg);
    node('from-msg').receive({ hook: { id: 'answered-long-ago' } });
    await until(() => warnings('from-msg').length > 0, 'the warning');
    expect(warnings('from-msg')[0]).toMatch(/no longer pending/);
  });
});
