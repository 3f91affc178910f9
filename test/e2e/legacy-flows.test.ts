// Flows saved before node configs carried a version (test/nodes/fixtures/legacy-*.json, copies of
// the example flows as they were) still run unchanged: each node migrates its config when it
// starts, so channel ids typed as text become the channel nodes that carry them.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFlows, startNodeRed, type NodeRed } from '../support/node-red';
import { until } from '../support/wait';
import { startDemo, type Demo } from './demo-flow';

const fixture = (name: string) => fileURLToPath(new URL(`../nodes/fixtures/${name}`, import.meta.url));
const TOKEN = 'legacy-flows-e2e-token';

describe('the webhook-room example as saved before versioned configs', () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo({ flowFile: fixture('legacy-webhook-room.json') });
  });
  afterAll(async () => {
    await demo?.nodeRed.stop();
  });

  it('creates room demo from the JSON bindings, and what alice says reaches bob and the observer', async () => {
    const said = await demo.post('demo/say/alice', { text: 'still here' });
    expect(said).toMatchObject({ status: 200, body: { status: 'committed' } });
    const deliveries = await until(async () => {
      const { body } = await demo.api('getDeliveries', { eventId: said.body.eventId });
      return body.aggregate.delivered === 'all' && (body.deliveries as unknown[]);
    }, 'the deliveries to bob and the observer');
    expect(deliveries).toHaveLength(2);
    expect(demo.nodeRed.logs()).not.toMatch(/\[(warn|error)\]/);
  });
});

describe('the rich-message example as saved before versioned configs', () => {
  let nodeRed: NodeRed;
  const api = async (operation: string, input: unknown) => {
    const res = await fetch(`${nodeRed.httpNodeUrl}roomwire-rich/api/operations/${operation}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    const { readFile } = await import('node:fs/promises');
    const flows = JSON.parse(await readFile(fixture('legacy-rich-message.json'), 'utf8')) as { type: string }[];
    nodeRed = await startNodeRed({ flows });
    await deployFlows(nodeRed, flows.map((node) => (node.type === 'roomwire-engine' ? { ...node, credentials: { apiToken: TOKEN } } : node)));
    await until(async () => (await api('getRoom', { roomId: 'rich-demo' })).status === 200, 'room rich-demo');
  });
  afterAll(async () => {
    await nodeRed?.stop();
  });

  it('routes the SMS customer\'s "2" through the room in filtered by channel id to the bot\'s answer', async () => {
    expect((await fetch(`${nodeRed.baseUrl}inject/rich-send-inject`, { method: 'POST' })).status).toBe(200);
    // The customer's "2" is read against the options of the message they were delivered.
    await until(async () => {
      const { body } = await api('getTimeline', { roomId: 'rich-demo', limit: 100 });
      const sent = (body.events as { id: string; type: string }[]).find((e) => e.type === 'message');
      return sent && (await api('getDeliveries', { eventId: sent.id })).body.aggregate.delivered === 'all';
    }, 'the rich message to be delivered');
    const answered = await fetch(`${nodeRed.httpNodeUrl}roomwire-rich/webhook/rich-sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+15550001111', text: '2' }),
    });
    expect(answered.status).toBe(200);
    const answer = await until(async () => {
      const { body } = await api('getTimeline', { roomId: 'rich-demo', limit: 100 });
      return (body.events as { content: { text?: string }; source: { channelId: string | null } }[]).find((e) => e.content.text?.startsWith('Sure. Reply with the new delivery address'));
    }, "the bot's answer to option 2");
    expect(answer.source.channelId).toBe('rich-bot');
    expect(nodeRed.logs()).not.toMatch(/\[error\]/);
  });
});
