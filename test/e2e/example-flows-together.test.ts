// The example flows deployed in one Node-RED, as a user who imports another example next to
// the default one gets them: each example's engine has its own database file and HTTP path (a
// second engine on a file or path already in use would be refused), so each room keeps its
// traffic and nothing fails to open, and channels of different types (webhook, sms) never route
// into each other's rooms.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeRed, type NodeRed } from '../support/node-red';
import { until } from '../support/wait';

const flowFile = (name: string) => fileURLToPath(new URL(`../../flows/${name}`, import.meta.url));

let nodeRed: NodeRed;

beforeAll(async () => {
  const flows = [
    ...JSON.parse(await readFile(flowFile('webhook-room.json'), 'utf8')),
    ...JSON.parse(await readFile(flowFile('rich-message.json'), 'utf8')),
    // Imported with no Twilio account: its channels wait, "not configured", and break nothing.
    ...JSON.parse(await readFile(flowFile('sms-whatsapp-support.json'), 'utf8')),
  ];
  nodeRed = await startNodeRed({ flows });
});

afterAll(async () => {
  await nodeRed?.stop();
});

async function post(path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${nodeRed.httpNodeUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

describe('the example flows in one Node-RED', () => {
  it('run side by side, each engine on its own database and path, each room keeping its own traffic', async () => {
    // Room demo exists once the demo flow's start-up inject ran: its say endpoint writes into it.
    await until(async () => (await post('demo/say/alice', { text: 'first' })).status === 200, 'room demo to exist');
    const demo = await post('roomwire/webhook/demo-webhook', { from: 'alice', text: 'hello from the demo' });
    expect(demo.status).toBe(200);
    expect(demo.body.accepted[0].roomId).toBe('demo');
    expect(demo.body.accepted[0]).toMatchObject({ kind: 'message', status: 'committed', duplicate: false });

    // The rich example's SMS participant answers on its own engine prefix and lands in its room.
    const rich = await until(async () => {
      const res = await post('roomwire-rich/webhook/rich-sms', { from: '+15550001111', text: 'hi' });
      return res.status === 200 && res.body.accepted[0].roomId === 'rich-demo' && res;
    }, 'the SMS participant routed into room rich-demo');
    expect(rich.body.accepted[0].status).toBe('committed');

    // The same address on another channel type is another conversation: a webhook-type message
    // from the SMS customer's number does not land in the SMS room of the other example.
    const other = await post('roomwire/webhook/demo-webhook', { from: '+15550001111', text: 'not an SMS' });
    expect(other.status).toBe(200);
    expect(other.body.accepted[0].roomId).not.toBe('rich-demo');

    // The support example runs beside them: its reply endpoint answers, its Twilio channels wait
    // for an account, and its engine serves its own prefix.
    expect((await post('support/reply', { text: 'no room' })).body.error).toMatchObject({ field: 'roomId' });
    expect((await post('roomwire-support/webhook/support-sms', {})).status).toBe(404);

    const logs = nodeRed.logs();
    expect(logs).toMatch(/channel support-sms is not started: its twilio provider is not configured/);
    expect(logs).not.toMatch(/\[error\]/);
    expect(logs).not.toMatch(/already exists|cannot open the database|conflict/);
  });
});
