// flows/ai-first-human-on-escalation.json in a real Node-RED. Without a model it deploys cleanly,
// the ai reply node says "no model" and the SMS customer gets a polite hand-over instead of
// silence. With its model pointed at a local OpenAI-compatible server, the AI answers the SMS
// customer within one segment, escalates through its tool (room flagged, AI muted, task with the
// summary), and the agent's reply reaches the customer; the same flow on an Anthropic server answers too.
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
const smsTexts = () => receiver.requests.filter((r) => r.url === `/ai/inbox/${encodeURIComponent(SMS)}`).map((r) => JSON.parse(r.body.toString('utf8')).content.text as string);

async function freshRoom(model?: Parameters<typeof flows>[0]): Promise<void> {
  // A fresh database per deploy: each scenario starts from an empty ai-demo room.
  const database = `roomwire-ai-${Math.random().toString(36).slice(2)}.sqlite`;
  await deployFlows(nodeRed, flows(model).map((node) => (node.type === 'roomwire-engine' ? { ...node, database } : node)));
  // The timeline is read from the store: once the four participants' records are there, inbound
  // routing (which reads the store) finds the room too.
  await until(async () => {
    const timeline = await api('getTimeline', { roomId: 'ai-demo' });
    return timeline.status === 200 && timeline.body.events.length >= 5;
  }, 'room ai-demo to be committed with its participants', SLOW);
  receiver.requests.length = 0;
}

async function assistant(): Promise<{ id: string; muted: boolean }> {
  const room = (await api('getRoom', { roomId: 'ai-demo' })).body;
  return room.bindings.find((b: { address: string }) => b.address === 'assistant');
}

describe('flows/ai-first-human-on-escalation.json', () => {
  it('deploys with no model: the customer gets a polite hand-over, the room is flagged for a human', async () => {
    await freshRoom();
    const sent = await post('roomwire-ai/webhook/ai-sms', { from: SMS, text: 'Where is my parcel?' });
    expect(sent.status).toBe(200);
    const [handOver] = await until(() => smsTexts().length > 0 && smsTexts(), 'the hand-over text to reach the SMS customer', SLOW);
    expect(handOver).toBe('Thank you for your message. A member of our team will reply to you shortly.');
    const room = (await api('getRoom', { roomId: 'ai-demo' })).body;
    expect(room.room.metadata.needsHuman).toBe(true);
    expect(nodeRed.logs()).not.toMatch(/\[error\]/);
  });

  it('with a model: answers in one SMS segment, escalates on request, and the agent’s reply reaches the customer', async () => {
    await freshRoom({ provider: 'openai', baseUrl: openai.baseUrl, model: 'gpt-e2e' });
    openai.script({ text: 'Your parcel arrives tomorrow.' });
    await post('roomwire-ai/webhook/ai-sms', { from: SMS, text: 'Where is my parcel?' });
    await until(() => smsTexts().includes('Your parcel arrives tomorrow.'), 'the AI answer to reach the SMS customer', SLOW);
    const first = openai.requests.at(-1)!.body;
    expect(first.model).toBe('gpt-e2e');
    expect(first.messages[0].content).toContain('at most 160 characters');
    expect(first.messages.at(-1).content).toBe('SMS customer (customer, sms): Where is my parcel?');

    openai.script(
      { toolCalls: [{ name: 'escalate', arguments: { summary: 'Customer wants a person about parcel delay', reason: 'asked for a person' } }] },
      { text: 'A colleague will take over shortly.' },
    );
    await post('roomwire-ai/webhook/ai-sms', { from: SMS, text: 'I want to talk to a person' });
    await until(() => smsTexts().includes('A colleague will take over shortly.'), 'the hand-over to reach the SMS customer', SLOW);
    await until(async () => (await assistant()).muted, 'the assistant to be muted', SLOW);
    const room = (await api('getRoom', { roomId: 'ai-demo' })).body;
    expect(room.room.metadata.needsHuman).toBe(true);
    const tasks = (await api('listSideEffects', { roomId: 'ai-demo', kind: 'task' })).body.sideEffects;
    expect(tasks[0]).toMatchObject({ producedBy: 'ai', data: { description: 'Customer wants a person about parcel delay' } });

    const calls = openai.requests.length;
    const inject = await fetch(`${nodeRed.baseUrl}inject/ai-agent-inject`, { method: 'POST' });
    expect(inject.status).toBe(200);
    await until(() => smsTexts().some((t) => t.startsWith('Hi, this is Alice')), "the agent's reply to reach the customer", SLOW);
    // The muted assistant still reads, but the agent's message is not a customer message: no call.
    await post('roomwire-ai/webhook/ai-sms', { from: SMS, text: 'Thanks Alice!' });
    await until(async () => (await api('listModelCalls', { roomId: 'ai-demo' })).body.totals.calls > 3, 'the muted assistant to read the thanks', SLOW);
    expect(openai.requests.length).toBe(calls + 1);
    await until(async () => {
      const timeline = (await api('getTimeline', { roomId: 'ai-demo', audit: true })).body.events;
      return timeline.some((e: { status: string; blockedBy: string }) => e.status === 'blocked' && e.blockedBy === 'muted');
    }, "the muted assistant's reply stored blocked", SLOW);
    expect(smsTexts().filter((t) => t === 'ok')).toEqual([]);
    expect(openai.problems).toEqual([]);
  });

  it('the same flow on Anthropic Messages answers the web chat visitor, with buttons offered', async () => {
    await freshRoom({ provider: 'anthropic', baseUrl: anthropic.baseUrl, model: 'claude-e2e' });
    anthropic.script({ text: 'Hello! How can I help?' });
    expect((await post('roomwire-ai/webhook/ai-web', { from: 'web-visitor', text: 'hi' })).status).toBe(200);
    await until(() => receiver.requests.some((r) => r.url === '/ai/inbox/web-visitor' && r.body.toString().includes('How can I help')), 'the answer to reach the web visitor', SLOW);
    const request = anthropic.requests.at(-1)!;
    expect(request.body.tools.map((t: { name: string }) => t.name)).toContain('send_rich');
    expect(anthropic.problems).toEqual([]);
  });
});
