// flows/webhook-room.json in a real Node-RED started as `npm start` starts it: alice's message
// reaches bob over HTTP and the observer flow; the moderation hook blocks a banned word and opens a
// task; a muted bob is stored blocked until unmuted; a signed webhook channel checks signatures.
import { signWebhookBody } from '@roomwire/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver, type ReceivedRequest } from '../support/receiver';
import { until } from '../support/wait';
import { SECRET, SIGNED_CHANNEL, startDemo, type Demo } from './demo-flow';

interface Delivery {
  bindingId: string;
  status: string;
}

function deliveryBody(request: ReceivedRequest): { to: string; content: { text?: string }; eventId: string } {
  return JSON.parse(request.body.toString('utf8'));
}

describe('flows/webhook-room.json as shipped', () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(async () => {
    await demo?.nodeRed.stop();
  });

  it('opens the database npm start names and delivers to its own /demo/inbox on whatever port it runs', async () => {
    expect(demo.nodeRed.logs()).toContain(`Roomwire engine ready: database ${demo.nodeRed.dataDir}/roomwire.sqlite`);
    const said = await demo.post('demo/say/alice', { text: 'hi bob' });
    expect(said).toMatchObject({ status: 200, body: { status: 'committed', blockedBy: null } });
    const deliveries = await until(async () => {
      const { body } = await demo.api('getDeliveries', { eventId: said.body.eventId });
      return body.aggregate.delivered === 'all' && (body.deliveries as Delivery[]);
    }, 'the deliveries to bob and the observer');
    expect(deliveries).toHaveLength(2);
  });
});

describe('flows/webhook-room.json with deliveries to a local receiver', () => {
  let demo: Demo;
  let receiver: Receiver;
  let ids: Record<string, string>;

  beforeAll(async () => {
    receiver = await startReceiver(200);
    demo = await startDemo({ inboxUrl: `${receiver.url}demo/inbox/{address}` });
    const { body } = await demo.api('getRoom', { roomId: 'demo' });
    ids = Object.fromEntries((body.bindings as { address: string; id: string }[]).map((b) => [b.address, b.id]));
  });
  afterAll(async () => {
    await demo?.nodeRed.stop();
    await receiver?.close();
  });

  const inbox = (address: string) => receiver.requests.filter((r) => r.url === `/demo/inbox/${address}`).map(deliveryBody);
  const received = (address: string, text: string) =>
    until(() => inbox(address).find((d) => d.content.text === text), `${address} to receive ${JSON.stringify(text)}`);
  /** Nothing more arrives for `text` once every delivery of its event is settled. */
  const settled = (eventId: string) =>
    until(async () => {
      const { body } = await demo.api('getDeliveries', { eventId });
      return (body.deliveries as Delivery[]).every((d) => d.status !== 'queued') && (body.deliveries as Delivery[]);
    }, `the deliveries of ${eventId} to settle`);

  it('delivers what alice says to bob and the observer, not back to alice', async () => {
    const said = await demo.post('demo/say/alice', { text: 'hello bob' });
    expect(said.status).toBe(200);
    const toBob = await received('bob', 'hello bob');
    expect(toBob).toMatchObject({ to: 'bob', eventId: said.body.eventId, content: { type: 'text', text: 'hello bob' } });
    const deliveries = await settled(said.body.eventId);
    expect(Object.fromEntries(deliveries.map((d) => [d.bindingId, d.status]))).toEqual({ [ids.bob!]: 'delivered', [ids.observer!]: 'delivered' });
    expect(inbox('alice')).toEqual([]);
  });

  it("takes alice's message from the webhook endpoint as a provider sends it", async () => {
    const res = await demo.post('roomwire/webhook/demo-webhook', { from: 'alice', text: 'via the webhook', id: 'provider-msg-1' });
    expect(res.status).toBe(200);
    expect(res.body.accepted[0]).toMatchObject({ kind: 'message', roomId: 'demo', status: 'committed', duplicate: false });
    await received('bob', 'via the webhook');
    const retry = await demo.post('roomwire/webhook/demo-webhook', { from: 'alice', text: 'via the webhook', id: 'provider-msg-1' });
    expect(retry.body.accepted[0]).toMatchObject({ duplicate: true, eventId: res.body.accepted[0].eventId });
  });

  it('blocks a message with the banned word and opens a review task', async () => {
    const said = await demo.post('demo/say/alice', { text: 'oh darn it' });
    expect(said).toMatchObject({ status: 200, body: { status: 'blocked', blockedBy: 'moderation' } });
    const { body } = await demo.api('listSideEffects', { roomId: 'demo', kind: 'task' });
    expect(body.sideEffects).toEqual([
      expect.objectContaining({ eventId: said.body.eventId, producedBy: 'moderation', data: expect.objectContaining({ title: 'Review message from alice', status: 'open' }) }),
    ]);
    expect(await settled(said.body.eventId)).toEqual([]);
    expect(inbox('bob').map((d) => d.content.text)).not.toContain('oh darn it');
  });

  it("stores a muted bob's messages blocked, and lets them through again once unmuted", async () => {
    await demo.inject('mute-bob-inject');
    await until(async () => (await demo.api('getBinding', { bindingId: ids.bob })).body.muted === true, 'bob to be muted');
    const muted = await demo.post('demo/say/bob', { text: 'can anyone hear me' });
    expect(muted).toMatchObject({ status: 200, body: { status: 'blocked', blockedBy: 'muted' } });
    expect(await settled(muted.body.eventId)).toEqual([]);

    // Bob still reads while muted.
    await demo.post('demo/say/alice', { text: 'bob, you are muted' });
    await received('bob', 'bob, you are muted');

    await demo.inject('unmute-bob-inject');
    await until(async () => (await demo.api('getBinding', { bindingId: ids.bob })).body.muted === false, 'bob to be unmuted');
    const heard = await demo.post('demo/say/bob', { text: 'back again' });
    expect(heard.body.status).toBe('committed');
    await received('alice', 'back again');
    expect(inbox('alice').map((d) => d.content.text)).not.toContain('can anyone hear me');
  });

  it('answers malformed say requests with a JSON error naming the field', async () => {
    expect(await demo.post('demo/say/alice', '{"text":')).toMatchObject({ status: 400, body: { error: { code: 'invalid_input', field: 'body' } } });
    expect(await demo.post('demo/say/alice', { text: '' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_input', field: 'content.text' } } });
  });

  it('rejects a wrongly signed request on a signed channel with 403 and accepts a correctly signed one', async () => {
    const body = JSON.stringify({ from: 'carol', text: 'signed hello' });
    const now = Math.floor(Date.now() / 1000);
    const path = `roomwire/webhook/${SIGNED_CHANNEL}`;
    const bad = await demo.post(path, body, { 'x-roomwire-timestamp': String(now), 'x-roomwire-signature': signWebhookBody('wrong secret', now, body) });
    expect(bad).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const unsigned = await demo.post(path, body);
    expect(unsigned.status).toBe(401);
    const good = await demo.post(path, body, { 'x-roomwire-timestamp': String(now), 'x-roomwire-signature': signWebhookBody(SECRET, now, body) });
    expect(good.status).toBe(200);
    expect(good.body.accepted[0]).toMatchObject({ kind: 'message', status: 'committed' });
  });

  it('logs no error', () => {
    expect(demo.nodeRed.logs()).not.toMatch(/\[error\]/);
  });
});
