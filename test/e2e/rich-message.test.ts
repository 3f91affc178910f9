// flows/rich-message.json in a real Node-RED: one rich message written once by the flow's bot
// reaches the web chat participant unchanged and the SMS participant as numbered text, and the
// SMS participant's "2" comes back with the option's postback, which the flow routes to an answer.
// The webhook channels deliver to a local receiver instead of the flow's own inbox, so the test
// reads exactly what each participant was sent.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFlows, startNodeRed, type NodeRed } from '../support/node-red';
import { startReceiver, type Receiver, type ReceivedRequest } from '../support/receiver';
import { until } from '../support/wait';

const FLOW_FILE = fileURLToPath(new URL('../../flows/rich-message.json', import.meta.url));
const TOKEN = 'rich-message-e2e-token';
const WEB = '/rich/inbox/web-visitor';
const SMS = `/rich/inbox/${encodeURIComponent('+15550001111')}`;

interface FlowNode {
  id: string;
  type: string;
  [key: string]: unknown;
}

let nodeRed: NodeRed;
let receiver: Receiver;
let example: FlowNode[];

beforeAll(async () => {
  receiver = await startReceiver(200);
  example = JSON.parse(await readFile(FLOW_FILE, 'utf8')) as FlowNode[];
  const flows = example.map((node) =>
    node.type === 'roomwire-channel' && node.outboundUrl ? { ...node, outboundUrl: `${receiver.url}rich/inbox/{address}` } : node,
  );
  // A REST API token is a credential, which a seed file cannot hold: deploy it as the editor would,
  // onto an empty start (a redeploy would interrupt the start-up inject creating the room).
  nodeRed = await startNodeRed({ flows: [] });
  await deployFlows(
    nodeRed,
    flows.map((node) => (node.type === 'roomwire-engine' ? { ...node, credentials: { apiToken: TOKEN } } : node)),
  );
  await until(async () => (await api('getRoom', { roomId: 'rich-demo' })).status === 200, 'room rich-demo to be created');
});

afterAll(async () => {
  await nodeRed?.stop();
  await receiver?.close();
});

function node(id: string): FlowNode {
  return example.find((n) => n.id === id)!;
}

async function api(operation: string, input: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${nodeRed.httpNodeUrl}roomwire-rich/api/operations/${operation}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: await res.json() };
}

function content(request: ReceivedRequest): { type: string; text?: string } {
  return JSON.parse(request.body.toString('utf8')).content;
}

/** Requests to one participant's inbox whose content passes `wanted`, once there are `count` of them. */
function received(path: string, count: number, wanted: (c: ReturnType<typeof content>) => boolean = () => true): Promise<ReceivedRequest[]> {
  return until(() => {
    const matching = receiver.requests.filter((r) => r.url === path && wanted(content(r)));
    return matching.length >= count && matching;
  }, `${count} matching request(s) to ${path}`);
}

describe('flows/rich-message.json', () => {
  it('the web visitor receives the rich message unchanged, the SMS customer numbered text', async () => {
    const res = await fetch(`${nodeRed.baseUrl}inject/rich-send-inject`, { method: 'POST' });
    expect(res.status).toBe(200);
    const rich = JSON.parse(node('rich-send-inject').payload as string);

    const [web] = await received(WEB, 1);
    expect(content(web!)).toEqual(rich);
    const [sms] = await received(SMS, 1);
    expect(content(sms!)).toEqual({
      type: 'text',
      text: [
        'Hi! Your order #1042 has shipped. What would you like to do?',
        'Trail running shoes\nSize 42, blue\nReceipt: https://shop.example/orders/1042',
        '1. Track my order\n2. Change delivery\n3. Talk to a person',
      ].join('\n\n'),
    });

    // What each delivery records: only the SMS one differs from the event's content. The record
    // is written with the delivery's status, just after the receiver answered.
    const eventId = JSON.parse(web!.body.toString('utf8')).eventId as string;
    const deliveries = await until(async () => {
      const { body } = await api('getDeliveries', { eventId });
      return body.aggregate.delivered === 'all' && (body.deliveries as { channelId: string }[]);
    }, 'both deliveries to be recorded as delivered');
    const byChannel: Record<string, any> = Object.fromEntries(deliveries.map((d) => [d.channelId, d]));
    expect(byChannel['rich-web'].sent ?? null).toBeNull();
    expect(byChannel['rich-sms'].sent).toMatchObject({ sms: { encoding: 'GSM-7', segments: 2 } });
    expect(byChannel['rich-sms'].sent.options.map((o: { postback: string }) => o.postback)).toEqual(['TRACK_ORDER', 'CHANGE_DELIVERY', 'AGENT']);
  });

  // Answers the rich message the test above made the bot send.
  it('the SMS customer answering "2" gets the answer of the CHANGE_DELIVERY branch', async () => {
    const res = await fetch(`${nodeRed.httpNodeUrl}roomwire-rich/webhook/rich-sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+15550001111', text: '2' }),
    });
    expect(res.status).toBe(200);

    const answer = (node('rich-answer-change').rules as { p: string; to: string }[]).find((rule) => rule.p === 'payload')!.to;
    const isAnswer = (c: ReturnType<typeof content>) => c.text === answer;
    await received(SMS, 1, isAnswer);
    await received(WEB, 1, isAnswer);
    // The web visitor also sees what the customer wrote, as written.
    await received(WEB, 1, (c) => c.text === '2');

    const others = ['rich-answer-track', 'rich-answer-agent'].map((id) => (node(id).rules as { to: string }[])[0]!.to);
    expect(receiver.requests.filter((r) => others.includes(content(r).text ?? ''))).toEqual([]);
    const { body } = await api('getTimeline', { roomId: 'rich-demo', limit: 100 });
    const reply = body.events.find((e: { content: { text?: string } }) => e.content.text === '2').reply;
    expect(reply).toMatchObject({ number: 2, title: 'Change delivery', postback: 'CHANGE_DELIVERY' });
  });

  it('logs no error', () => {
    expect(nodeRed.logs()).not.toMatch(/\[error\]/);
  });
});
