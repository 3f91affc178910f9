// A flow whose SMS channel uses Sinch, in a real Node-RED started as `npm start` starts it: the
// `roomwire-sinch` app node holds the access key and webhook secret in Node-RED's credentials
// (never in the flow), its API and token URLs point at a fake Sinch that checks every request. A
// signed MESSAGE_INBOUND opens a room, an agent's reply goes out through messages:send with a
// token from the token endpoint, and the signed DELIVERED report marks it delivered. Unsigned and
// wrongly signed callbacks are refused; a channel whose app node is missing does not start, and
// the rest of the flow runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFlows, readFlows, startNodeRed, type NodeRed } from '../support/node-red';
import { until } from '../support/wait';
import { APP_ID, KEY_ID, KEY_SECRET, PROJECT_ID, WEBHOOK_SECRET, callbackHeaders, deliveryReport, inboundCallback, postCallback, startFakeSinch, type FakeSinch } from '../providers/sinch/support/sinch';

const TOKEN = 'sinch-e2e-token';
const CUSTOMER = '+46732001122';

function flows(sinch: FakeSinch): Record<string, unknown>[] {
  const engine = { id: 'engine', type: 'roomwire-engine', name: 'Engine', database: '${ROOMWIRE_DB}', maxChainDepth: 5, httpPrefix: '/roomwire', version: 1 };
  const channel = (id: string, extra: Record<string, unknown>) => ({
    id: `${id}-node`,
    type: 'roomwire-channel',
    name: id,
    engine: 'engine',
    channelId: id,
    direction: 'bidirectional',
    profile: '',
    routeByIdentity: false,
    autoJoin: false,
    version: 1,
    ...extra,
  });
  return [
    { id: 'tab', type: 'tab', label: 'Sinch SMS' },
    { ...engine, credentials: { apiToken: TOKEN } },
    {
      id: 'sinch-app',
      type: 'roomwire-sinch',
      name: 'Sinch app',
      projectId: PROJECT_ID,
      appId: APP_ID,
      region: 'eu',
      baseUrl: sinch.baseUrl,
      tokenUrl: sinch.tokenUrl,
      version: 1,
      credentials: { keyId: KEY_ID, keySecret: KEY_SECRET, webhookSecret: WEBHOOK_SECRET },
    },
    channel('sinch-sms', { channelType: 'sms', provider: 'sinch', sinch: 'sinch-app', sinchChannel: '' }),
    channel('sinch-unconfigured', { channelType: 'whatsapp', provider: 'sinch', sinch: '' }),
    channel('agents', { channelType: 'webhook', provider: 'webhook', direction: 'inbound', outboundUrl: '' }),
  ];
}

describe('a flow whose SMS channel uses Sinch', () => {
  let nodeRed: NodeRed;
  let sinch: FakeSinch;
  const webhook = () => `${nodeRed.httpNodeUrl}roomwire/webhook/sinch-sms`;
  const api = async (operation: string, input: unknown) => {
    const res = await fetch(`${nodeRed.httpNodeUrl}roomwire/api/operations/${operation}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    sinch = await startFakeSinch();
    nodeRed = await startNodeRed({ flows: [] });
    await deployFlows(nodeRed, flows(sinch));
  });
  afterAll(async () => {
    await nodeRed?.stop();
    await sinch?.server.close();
  });

  it('keeps the access key and webhook secret out of the flow', async () => {
    const saved = JSON.stringify(await readFlows(nodeRed));
    expect(saved).toContain('sinch-app');
    expect(saved).not.toContain(KEY_SECRET);
    expect(saved).not.toContain(WEBHOOK_SECRET);
    expect(saved).not.toContain(KEY_ID);
  });

  it('refuses unsigned and wrongly signed callbacks, storing nothing', async () => {
    const raw = Buffer.from(JSON.stringify(inboundCallback('SMS', CUSTOMER.slice(1), { text_message: { text: 'forged' } })));
    expect((await postCallback(webhook(), raw, callbackHeaders(raw, { signature: null }))).status).toBe(401);
    expect((await postCallback(webhook(), raw, callbackHeaders(raw, { secret: 'guessed' }))).status).toBe(403);
    expect((await api('listRooms', {})).body.rooms).toEqual([]);
  });

  it('takes a signed inbound SMS into a room, sends the agent\'s reply through Sinch and tracks it to delivered', async () => {
    const inbound = inboundCallback('SMS', CUSTOMER.slice(1), { text_message: { text: 'Is my parcel on its way?' } });
    const raw = Buffer.from(JSON.stringify(inbound));
    const answer = await postCallback(webhook(), raw, callbackHeaders(raw));
    expect(answer).toMatchObject({ status: 200, json: { accepted: [{ kind: 'message', duplicate: false }] } });
    const roomId = (answer.json as { accepted: { roomId: string }[] }).accepted[0]!.roomId;
    const { body: timeline } = await api('getTimeline', { roomId, limit: 10 });
    expect(timeline.events.filter((e: { type: string }) => e.type === 'message')).toMatchObject([
      { direction: 'inbound', content: { type: 'text', text: 'Is my parcel on its way?' }, source: { channelId: 'sinch-sms', provider: 'sinch' } },
    ]);

    const { body: attached } = await api('attachBinding', { roomId, channelId: 'agents', address: 'agent-1' });
    const { body: said } = await api('sendEvent', { roomId, bindingId: attached.binding.id, content: { type: 'text', text: 'Yes, it arrives tomorrow.' }, correlationId: 'parcel-42' });
    const sent = await until(() => sinch.messages[0], 'the reply at Sinch');
    expect(sinch.violations).toEqual([]);
    expect(sinch.tokensIssued).toHaveLength(1);
    expect(sent.request.headers.authorization).toBe(`Bearer ${sinch.tokensIssued[0]}`);
    expect(sent.body).toMatchObject({
      app_id: APP_ID,
      recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity: CUSTOMER }] } },
      message: { text_message: { text: 'Yes, it arrives tomorrow.' } },
      correlation_id: 'parcel-42',
    });

    const report = await sinch.callback(webhook(), deliveryReport(sent, 'DELIVERED'));
    expect(report.status).toBe(200);
    const delivered = await until(async () => {
      const { body } = await api('getDeliveries', { eventId: said.event.id });
      const delivery = (body.deliveries as { channelId: string; status: string; providerMessageId: string }[]).find((d) => d.channelId === 'sinch-sms');
      return delivery?.status === 'delivered' && delivery;
    }, 'the delivered status');
    expect(delivered.providerMessageId).toBe(sent.messageId);
  });

  it('does not start a Sinch channel without an app node, says so, and keeps the others running', async () => {
    expect(nodeRed.logs()).toMatch(/channel sinch-unconfigured is not started: its sinch provider is not configured \(missing sinch\)/);
    const raw = Buffer.from(JSON.stringify(inboundCallback('WHATSAPP', CUSTOMER.slice(1), { text_message: { text: 'hi' } })));
    const answer = await postCallback(`${nodeRed.httpNodeUrl}roomwire/webhook/sinch-unconfigured`, raw, callbackHeaders(raw));
    expect(answer.status).toBe(404);
    expect(nodeRed.running()).toBe(true);
  });
});
