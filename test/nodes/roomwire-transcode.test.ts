// `roomwire-transcode` in a Node-RED runtime (node-red-node-test-helper):
// the SMS form of rich content with its segment cost, a closed WhatsApp session window reaching a
// Catch node through done(err), and a channel config node's profile taking over.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import channelNode from '../../nodes/roomwire-channel';
import engineNode from '../../nodes/roomwire-engine';
import transcodeNode from '../../nodes/roomwire-transcode';

helper.init(createRequire(import.meta.url).resolve('node-red'));

const nodes = [engineNode, channelNode, transcodeNode];

interface Msg {
  payload?: unknown;
  [key: string]: unknown;
}

interface TestNode {
  receive(msg: Msg): void;
  on(event: string, listener: (arg: any) => void): void;
}

/** The transcode node, with every status it showed. */
interface TranscodeNode extends TestNode {
  statuses: { fill: string; text: string }[];
}

const RICH = {
  type: 'rich',
  text: 'Your order shipped.',
  cards: [{ title: 'Trail shoes', subtitle: 'Size 42', buttons: [{ title: 'Receipt', url: 'https://shop.example/r/1' }] }],
  buttons: [
    { title: 'Track it', postback: 'TRACK' },
    { title: 'Talk to a person', postback: 'AGENT' },
  ],
};
const RICH_AS_SMS = 'Your order shipped.\n\nTrail shoes\nSize 42\nReceipt: https://shop.example/r/1\n\n1. Track it\n2. Talk to a person';

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roomwire-transcode-node-'));
  await helper.startServer();
});

afterEach(async () => {
  await helper.unload();
});

afterAll(async () => {
  await helper.stopServer();
  rmSync(dir, { recursive: true, force: true });
});

let databases = 0;

/** An engine, a webhook channel `sms-line` with the sms profile, the transcode node `t` with `settings`, and a Catch node. */
async function load(settings: Record<string, unknown>): Promise<{ transcode: TranscodeNode; out: TestNode; caught: TestNode }> {
  const flow = [
    { id: 'tab', type: 'tab', label: 'transcode' },
    { id: 'engine', type: 'roomwire-engine', database: join(dir, `db-${++databases}.sqlite`), httpPrefix: `/roomwire-${databases}` },
    // Node-RED reads a property whose value is a config node's id as a reference to it: no id equals a value here.
    { id: 'sms-line-node', type: 'roomwire-channel', engine: 'engine', channelId: 'sms-line', channelType: 'webhook', profile: 'sms', outboundUrl: '' },
    { id: 't', z: 'tab', type: 'roomwire-transcode', engine: 'engine', smartEncoding: true, ...settings, wires: [['out']] },
    { id: 'out', z: 'tab', type: 'helper' },
    { id: 'catch-t', z: 'tab', type: 'catch', scope: ['t'], uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'tab', type: 'helper' },
  ];
  await helper.load(nodes, flow);
  const transcode = helper.getNode('t') as unknown as TranscodeNode;
  transcode.statuses = [];
  // The helper spies on Node.status and reports each call on the node that made it.
  transcode.on('call:status', (call: { args: [TranscodeNode['statuses'][number]] }) => transcode.statuses.push(call.args[0]));
  return { transcode, out: helper.getNode('out') as unknown as TestNode, caught: helper.getNode('caught') as unknown as TestNode };
}

function next(node: TestNode): Promise<Msg> {
  return new Promise((resolve) => node.on('input', resolve));
}

/** The status the node shows now (the helper reports Node.status calls on the next tick). */
async function statusOf(node: TranscodeNode): Promise<TranscodeNode['statuses'][number] | undefined> {
  await new Promise((resolve) => setImmediate(resolve));
  return node.statuses.at(-1);
}

/** Sends one message and resolves with the first thing that comes back: an output or a caught error. */
async function transcode(loaded: Awaited<ReturnType<typeof load>>, msg: Msg): Promise<{ output?: Msg; error?: Msg }> {
  const output = next(loaded.out).then((m) => ({ output: m }));
  const error = next(loaded.caught).then((m) => ({ error: m }));
  loaded.transcode.receive(msg);
  return Promise.race([output, error]);
}

describe('roomwire-transcode for sms', () => {
  it('writes rich content as numbered text and outputs its parts, SMS cost, degradations and options', async () => {
    const loaded = await load({ channelType: 'sms' });
    const { output } = await transcode(loaded, { payload: RICH, topic: 'preview' });

    const text = { type: 'text', text: RICH_AS_SMS };
    expect(output).toMatchObject({
      topic: 'preview',
      payload: text,
      parts: [text],
      profile: 'sms',
      sms: { encoding: 'GSM-7', segments: 1 },
      options: [
        { number: 1, title: 'Track it', postback: 'TRACK' },
        { number: 2, title: 'Talk to a person', postback: 'AGENT' },
      ],
    });
    expect((output!.degradations as { rule: string }[]).map((d) => d.rule)).toEqual(['cards.to_text', 'buttons.to_text']);
    expect(await statusOf(loaded.transcode)).toMatchObject({ fill: 'yellow', text: 'sms: GSM-7, 1 segment' });
  });

  it('counts the segments of a long UCS-2 text, and cuts it to the node’s maximum of parts', async () => {
    const greek = 'Καλημέρα! '.repeat(20);
    const uncut = await load({ channelType: 'sms' });
    const { output } = await transcode(uncut, { payload: greek });
    expect(output).toMatchObject({ payload: { type: 'text', text: greek }, sms: { encoding: 'UCS-2', segments: 3 }, degradations: [], options: [] });
    expect(await statusOf(uncut.transcode)).toMatchObject({ fill: 'green', text: 'sms: UCS-2, 3 segments' });
    await helper.unload();

    const cut = await load({ channelType: 'sms', maxParts: '2' });
    const { output: two } = await transcode(cut, { payload: greek });
    expect(two).toMatchObject({ sms: { encoding: 'UCS-2', segments: 2 }, degradations: [{ rule: 'text.cut' }] });
    expect((two!.payload as { text: string }).text).toBe(greek.slice(0, 134));
  });

  it('keeps curly quotes (UCS-2) when smart encoding is off', async () => {
    const loaded = await load({ channelType: 'sms', smartEncoding: false });
    const { output } = await transcode(loaded, { payload: 'It’s ready' });
    expect(output).toMatchObject({ payload: { type: 'text', text: 'It’s ready' }, sms: { encoding: 'UCS-2', segments: 1 }, degradations: [] });
  });
});

describe('roomwire-transcode for whatsapp', () => {
  it('fails free text outside the session window through done(err): a Catch node gets outside_window', async () => {
    const loaded = await load({ channelType: 'whatsapp' });
    const { output, error } = await transcode(loaded, { payload: 'Your order shipped.' });

    expect(output).toBeUndefined();
    expect(error!.error).toMatchObject({ code: 'outside_window', source: { id: 't' } });
    expect((error!.error as { message: string }).message).toContain('whatsapp outside_window: the session window is closed');
    expect(await statusOf(loaded.transcode)).toMatchObject({ fill: 'red' });
  });

  it('passes free text while msg.sessionWindowOpenUntil is in the future', async () => {
    const loaded = await load({ channelType: 'whatsapp' });
    const { output } = await transcode(loaded, { payload: 'Your order shipped.', sessionWindowOpenUntil: Date.now() + 60_000 });
    expect(output).toMatchObject({ payload: { type: 'text', text: 'Your order shipped.' }, profile: 'whatsapp', degradations: [], options: [] });
    expect(output!.sms).toBeUndefined();
    expect(await statusOf(loaded.transcode)).toMatchObject({ fill: 'green', text: 'whatsapp: unchanged' });
  });
});

describe('roomwire-transcode with a channel', () => {
  it('a channel config node’s profile takes over from the node’s profile', async () => {
    // The channel is of type webhook (which would carry rich content as it is) with the sms profile.
    const loaded = await load({ channel: 'sms-line-node', channelType: 'webchat' });
    const { output } = await transcode(loaded, { payload: RICH, channelType: 'whatsapp' });
    expect(output).toMatchObject({ payload: { type: 'text', text: RICH_AS_SMS }, profile: 'sms', sms: { segments: 1 } });
  });

  it('msg.channelId names a registered channel when the node names no target', async () => {
    const loaded = await load({ channelType: '' });
    const { output } = await transcode(loaded, { payload: RICH, channelId: 'sms-line' });
    expect(output).toMatchObject({ payload: { type: 'text', text: RICH_AS_SMS }, profile: 'sms' });
  });

  it('without any target the error names what to set', async () => {
    const loaded = await load({ channelType: '' });
    const { error } = await transcode(loaded, { payload: 'hi' });
    expect(error!.error).toMatchObject({ code: 'invalid_input' });
    expect((error!.error as { message: string }).message).toContain('channelType: is required');
  });
});

describe('roomwire-transcode: what it transcodes for', () => {
  it('a node set to a channel whose channel node is gone fails naming the channel, not silently using a profile', async () => {
    const loaded = await load({ version: 2, target: 'channel', channel: '', channelType: 'sms' });
    const { error } = await transcode(loaded, { payload: 'hi' });
    expect((error!.error as { message: string }).message).toContain('channel: is required');
  });

  it('a node set to msg ignores the profile it once had', async () => {
    const loaded = await load({ version: 2, target: 'msg', channelType: 'webchat' });
    const { output } = await transcode(loaded, { payload: RICH, channelId: 'sms-line' });
    expect(output).toMatchObject({ payload: { type: 'text', text: RICH_AS_SMS }, profile: 'sms' });
  });

  it('a version 1 node with a channel keeps it, with a profile keeps that', async () => {
    const withChannel = await load({ version: 1, channel: 'sms-line-node', channelType: 'webchat' });
    expect((await transcode(withChannel, { payload: RICH })).output).toMatchObject({ profile: 'sms' });
    await helper.unload();
    const withProfile = await load({ version: 1, channel: '', channelType: 'sms' });
    expect((await transcode(withProfile, { payload: RICH, channelId: 'sms-line' })).output).toMatchObject({ profile: 'sms', sms: { segments: 1 } });
  });
});
