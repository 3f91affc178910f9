// flows/ai-first-human-on-escalation.json in a real Node-RED. The assistant's channel joins every
// new room, so each customer who writes opens a room the AI is in from the first message. Without
// a model it deploys cleanly, the ai reply node says "no model" and the customer gets a polite
// hand-over (the room assigned to the agent) instead of silence. With its model pointed at a local
// OpenAI-compatible server, the AI answers two customers in their own rooms (SMS within one
// segment), escalates through its tool (room assigned to alice, AI muted, task with the summary),
// and alice's reply reaches the customer; the same flow on an Anthropic server answers too.
// The webhook channels deliver to a local receiver, so the test reads exactly what each customer got.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicServer, startOpenAiServer, type ModelServer } from '../ai/support/model-servers';
import { deployFlows, startNodeRed, type NodeRed } from '../support/node-red';
import { startReceiver, type Receiver } from '../support/receiver';
import { until } from '../support/wait';

const FLOW_FILE = fileURLToPath(new URL('../../flows/ai-first-human-on-escalation.json', import.meta.url));
const TOKEN = 'ai-example-e2e-token';
// A model round trip through a loaded Node-RED: generous, as every wait returns as soon as it can.
const SLOW = 30_000;
const SMS = '+15550002222';
const OTHER_SMS = '+15550003333';

interface FlowNode {
  id: string;
  type: string;
  [key: string]: unknown;
}

let nodeRed: NodeRed;
let receiver: Receiver;
let openai: ModelServer;
let anthropic: ModelServer;
let example: FlowNode[];

beforeAll(async () => {
  receiver = await startReceiver(200);
  openai = await startOpenAiServer('sk-e2e');
  anthropic = await startAnthropicServer('sk-e2e');
  example = JSON.parse(await readFile(FLOW_FILE, 'utf8')) as FlowNode[];
  nodeRed = await startNodeRed({ flows: [] });
});

afterAll(async () => {
  await nodeRed?.stop();
  await receiver?.close();
  await openai?.close();
  await anthropic?.close();
});

/** The example as imported, with deliveries going to the receiver and, optionally, a model. */
function flows(model?: { provider: string; baseUrl: string; model: string }): FlowNode[] {
  return example.map((node) => {
    if (node.type === 'roomwire-channel' && node.outboundUrl) return { ...node, outboundUrl: `${receiver.url}ai/inbox/{address}` };
    if (node.type === 'roomwire-engine') return { ...node, credentials: { apiToken: TOKEN } };
    if (node.type === 'roomwire-ai-model' && model) return { ...node, ...model, credentials: { apiKey: 'sk-e2e' } };
    return node;
  });
}

async function post(path: string, body: unknown, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${nodeRed.httpNodeUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

const api = (operation: string, input: unknown) => post(`roomwire-ai/api/operations/${operation}`, input, TOKEN);
const textsTo = (address: string) => receiver.requests.filter((r) => r.url === `/ai/inbox/${encodeURIComponent(address)}`).map((r) => JSON.parse(r.body.toString('utf8')).content.text as string);
const smsTexts = () => textsTo(SMS);

async function deploy(model?: Parameters<typeof flows>[0]): Promise<void> {
  // A fresh database per deploy: each scenario starts with no rooms.
  const database = `roomwire-ai-${Math.random().toString(36).slice(2)}.sqlite`;
  await deployFlows(nodeRed, flows(model).map((node) => (node.type === 'roomwire-engine' ? { ...node, database } : node)));
  await until(async () => {
    const listed = await api('listChannels', {});
    const registered = listed.status === 200 ? listed.body.channels.filter((c: { registered: boolean }) => c.registered).map((c: { id: string }) => c.id) : [];
    return ['ai-web', 'ai-sms', 'ai-assistant', 'ai-agent'].every((id) => registered.includes(id));
  }, 'the example’s channels to be registered', SLOW);
  receiver.requests.length = 0;
}

/** A customer's message through the channel's webhook; the room it went to. */
async function write(channel: 'ai-sms' | 'ai-web', from: string, text: string): Promise<string> {
  const sent = await post(`roomwire-ai/webhook/${channel}`, { from, text });
  expect(sent.status).toBe(200);
  return sent.body.accepted[0].roomId as string;
}

async function roomOf(roomId: string): Promise<{ room: { metadata: Record<string, unknown> }; bindings: { id: string; channelId: string; address: string; muted: boolean }[] }> {
  return (await api('getRoom', { roomId })).body;
}

const assistantOf = async (roomId: string) => (await roomOf(roomId)).bindings.find((b) => b.channelId === 'ai-assistant')!;

describe('flows/ai-first-human-on-escalation.json', () => {
  it('deploys with no model: the customer gets a polite hand-over, the room is assigned to the agent', async () => {
    await deploy();
    const roomId = await write('ai-sms', SMS, 'Where is my parcel?');
    const [handOver] = await until(() => smsTexts().length > 0 && smsTexts(), 'the hand-over text to reach the SMS customer', SLOW);
    expect(handOver).toBe('Thank you for your message. A member of our team will reply to you shortly.');
    const { room, bindings } = await roomOf(roomId);
    expect(room.metadata.assignedTo).toBe('alice');
    expect(bindings.map((b) => `${b.channelId}/${b.address}`).sort()).toEqual(['ai-agent/alice', 'ai-assistant/assistant', `ai-sms/${SMS}`]);
    expect(nodeRed.logs()).not.toMatch(/\[error\]/);
  });

  it('with a model: two customers’ rooms both get AI answers; one escalates, and alice’s reply reaches that customer', async () => {
    await deploy({ provider: 'openai', baseUrl: openai.baseUrl, model: 'gpt-e2e' });
    openai.script({ text: 'Your parcel arrives tomorrow.' });
    const first = await write('ai-sms', SMS, 'Where is my parcel?');
    await until(() => smsTexts().includes('Your parcel arrives tomorrow.'), 'the AI answer to reach the SMS customer', SLOW);
    const request = openai.requests.at(-1)!.body;
    expect(request.model).toBe('gpt-e2e');
    expect(request.messages[0].content).toContain('at most 160 characters');
    expect(request.messages.at(-1).content).toBe(`${SMS} (customer, sms): Where is my parcel?`);

    // A second customer opens a room of their own, and the assistant is there too.
    openai.script({ text: 'Hello! Happy to help.' });
    const second = await write('ai-sms', OTHER_SMS, 'Hello?');
    expect(second).not.toBe(first);
    await until(() => textsTo(OTHER_SMS).includes('Hello! Happy to help.'), 'the AI answer to reach the second customer', SLOW);
    expect(JSON.stringify(openai.requests.at(-1)!.body.messages)).not.toContain('Where is my parcel?');

    openai.script(
      { toolCalls: [{ name: 'escalate', arguments: { summary: 'Customer wants a person about parcel delay', reason: 'asked for a person' } }] },
      { text: 'A colleague will take over shortly.' },
    );
    await write('ai-sms', SMS, 'I want to talk to a person');
    await until(() => smsTexts().includes('A colleague will take over shortly.'), 'the hand-over to reach the SMS customer', SLOW);
    await until(async () => (await assistantOf(first)).muted, 'the assistant to be muted', SLOW);
    expect((await roomOf(first)).room.metadata.assignedTo).toBe('alice');
    expect((await assistantOf(second)).muted).toBe(false);
    const tasks = (await api('listSideEffects', { roomId: first, kind: 'task' })).body.sideEffects;
    expect(tasks[0]).toMatchObject({ producedBy: 'ai', data: { assignee: 'alice', description: 'Customer wants a person about parcel delay' } });

    const calls = openai.requests.length;
    // Alice joined on assignment and heard the hand-over in that room; her inject answers there.
    const alice = (await roomOf(first)).bindings.find((b) => b.address === 'alice')!;
    const handOverEvent = (await api('getTimeline', { roomId: first })).body.events.find((e: { content: { text?: string } }) => e.content.text === 'A colleague will take over shortly.');
    await until(async () => {
      const { deliveries } = (await api('getDeliveries', { eventId: handOverEvent.id })).body;
      return deliveries.some((d: { bindingId: string; status: string }) => d.bindingId === alice.id && d.status !== 'queued');
    }, 'alice to hear the hand-over', SLOW);
    const inject = await fetch(`${nodeRed.baseUrl}inject/ai-agent-inject`, { method: 'POST' });
    expect(inject.status).toBe(200);
    await until(() => smsTexts().some((t) => t.startsWith('Hi, this is Alice')), "alice's reply to reach the customer", SLOW);
    expect(textsTo(OTHER_SMS).some((t) => t.startsWith('Hi, this is Alice'))).toBe(false);
    // The muted assistant still reads, but the agent's message is not a customer message: no call.
    await write('ai-sms', SMS, 'Thanks Alice!');
    await until(async () => (await api('listModelCalls', { roomId: first })).body.totals.calls > 3, 'the muted assistant to read the thanks', SLOW);
    expect(openai.requests.length).toBe(calls + 1);
    await until(async () => {
      const timeline = (await api('getTimeline', { roomId: first, audit: true })).body.events;
      return timeline.some((e: { status: string; blockedBy: string }) => e.status === 'blocked' && e.blockedBy === 'muted');
    }, "the muted assistant's reply stored blocked", SLOW);
    expect(openai.problems).toEqual([]);
  });

  it('the same flow on Anthropic Messages answers the web chat visitor, with buttons offered', async () => {
    await deploy({ provider: 'anthropic', baseUrl: anthropic.baseUrl, model: 'claude-e2e' });
    anthropic.script({ text: 'Hello! How can I help?' });
    await write('ai-web', 'web-visitor', 'hi');
    await until(() => textsTo('web-visitor').includes('Hello! How can I help?'), 'the answer to reach the web visitor', SLOW);
    const request = anthropic.requests.at(-1)!;
    expect(request.body.tools.map((t: { name: string }) => t.name)).toContain('send_rich');
    expect(anthropic.problems).toEqual([]);
  });
});
