// roomwire-channel: registers its channel with the engine while deployed; webhook channels POST
// deliveries to their URL (signed with the secret) and check the signature of inbound requests;
// an outbound URL that is a path points at this Node-RED's own HTTP In nodes.
import { signWebhookBody } from '@roomwire/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/receiver';
import { allNodes, compiled, engineConfig, engineOf, errors, helper, infos, lastStatus, removeTempDirs, serveHttpNode } from './support';

let receiver: Receiver | undefined;

afterEach(async () => {
  await helper.unload();
  await receiver?.close();
  receiver = undefined;
  removeTempDirs();
});

interface ChannelRow {
  id: string;
  type: string;
  direction: string;
  registered: boolean;
}

const channels = async () => (await engineOf().call<{ channels: ChannelRow[] }>('listChannels', {})).channels;

const webhook = (extra: Record<string, unknown> = {}) => ({
  id: 'ch-web',
  type: 'roomwire-channel',
  engine: 'engine',
  channelId: 'web',
  channelType: 'webhook',
  outboundUrl: `${receiver?.url ?? 'http://127.0.0.1:9/'}inbox/{address}?room={roomId}`,
  ...extra,
});

async function talk(): Promise<void> {
  const engine = engineOf();
  const { bindings } = await engine.call<{ bindings: { id: string }[] }>('createRoom', {
    id: 'r1',
    bindings: [
      { channelId: 'web', address: 'alice' },
      { channelId: 'web', address: 'bob' },
    ],
  });
  await engine.call('sendEvent', { roomId: 'r1', bindingId: bindings[0]!.id, content: { type: 'text', text: 'hi bob' } });
}

describe('roomwire-channel: registration', () => {
  it('registers its channel while deployed and unregisters it when stopped', async () => {
    const engine = engineConfig();
    await helper.load(allNodes(), [engine, webhook({ direction: 'outbound' })]);
    expect(await channels()).toEqual([expect.objectContaining({ id: 'web', type: 'webhook', direction: 'outbound', registered: true })]);
    await helper.setFlows([engine], 'full');
    expect(await channels()).toEqual([expect.objectContaining({ id: 'web', registered: false })]);
  });

  it("uses the node's id when no channel id is set", async () => {
    await helper.load(allNodes(), [engineConfig(), { id: 'flow-node-id', type: 'roomwire-channel', engine: 'engine', channelType: 'flow' }]);
    expect(await channels()).toEqual([expect.objectContaining({ id: 'flow-node-id', type: 'flow', registered: true })]);
  });

  it('refuses a channel id bindings could not name', async () => {
    await helper.load(allNodes(), [engineConfig(), webhook({ channelId: 'has spaces' })]);
    expect(errors('ch-web').join()).toMatch(/may only use letters/);
    expect(await channels()).toEqual([]);
  });
});

describe('roomwire-channel: webhook deliveries', () => {
  it('POSTs each delivery to the outbound URL with {address} and {roomId} filled in', async () => {
    receiver = await startReceiver(200);
    await helper.load(allNodes(), [engineConfig(), webhook()]);
    await talk();
    const [request] = await receiver.waitForRequests(1);
    expect(request!.url).toBe('/inbox/bob?room=r1');
    expect(JSON.parse(request!.body.toString())).toMatchObject({ roomId: 'r1', to: 'bob', content: { type: 'text', text: 'hi bob' } });
    expect(request!.headers['x-roomwire-signature']).toBeUndefined();
  });

  it('signs deliveries with the secret', async () => {
    receiver = await startReceiver(200);
    await helper.load(allNodes(), [engineConfig(), webhook()], { 'ch-web': { secret: 's3cret' } });
    await talk();
    const [request] = await receiver.waitForRequests(1);
    const timestamp = Number(request!.headers['x-roomwire-timestamp']);
    expect(request!.headers['x-roomwire-signature']).toBe(signWebhookBody('s3cret', timestamp, request!.body));
  });
});

describe('roomwire-channel: webhook signatures on inbound requests', () => {
  const post = (url: string, body: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('with a secret: rejects missing and wrong signatures, accepts a correct one', async () => {
    await helper.load(allNodes(), [engineConfig(), webhook()], { 'ch-web': { secret: 's3cret' } });
    const server = await serveHttpNode();
    try {
      const url = `${server.url}/roomwire/webhook/web`;
      const body = JSON.stringify({ from: 'alice', text: 'signed' });
      const now = Math.floor(Date.now() / 1000);
      expect((await post(url, body)).status).toBe(401);
      const wrong = await post(url, body, { 'x-roomwire-timestamp': String(now), 'x-roomwire-signature': signWebhookBody('other', now, body) });
      expect(wrong.status).toBe(403);
      const right = await post(url, body, { 'x-roomwire-timestamp': String(now), 'x-roomwire-signature': signWebhookBody('s3cret', now, body) });
      expect(right.status).toBe(200);
      expect(lastStatus('ch-web')?.text).not.toBe('unsigned');
    } finally {
      await server.close();
    }
  });

  it('without a secret: accepts unsigned requests, shows "unsigned" and says so in the log', async () => {
    await helper.load(allNodes(), [engineConfig(), webhook()]);
    expect(lastStatus('ch-web')).toEqual({ fill: 'yellow', shape: 'ring', text: 'unsigned' });
    expect(infos('ch-web').join()).toMatch(/accepts unsigned webhook requests/);
    const server = await serveHttpNode();
    try {
      expect((await post(`${server.url}/roomwire/webhook/web`, JSON.stringify({ from: 'alice', text: 'hi' }))).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('roomwire-channel: an outbound URL that is a path', () => {
  const { localHttpNodeUrl } = compiled<{ localHttpNodeUrl: (RED: unknown, path: string) => string }>('lib/local-url.js');

  it("resolves against this Node-RED's HTTP node root on the port it listens on", () => {
    const RED = { server: { address: () => ({ port: 4321 }) }, settings: { uiPort: 1880, httpNodeRoot: '/api/' } };
    expect(localHttpNodeUrl(RED, '/demo/inbox/{address}')).toBe('http://127.0.0.1:4321/api/demo/inbox/{address}');
  });

  it('uses the configured port before the server listens, and the root "/" by default', () => {
    const RED = { server: { address: () => null }, settings: { uiPort: 1999 } };
    expect(localHttpNodeUrl(RED, '/inbox')).toBe('http://127.0.0.1:1999/inbox');
  });
});
