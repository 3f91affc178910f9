// An email channel in a real Node-RED: a `roomwire-email` account (SMTP server on loopback, inbound
// secret in credentials) picked by a `roomwire-channel` with provider `email`. A raw MIME mail
// posted to the channel's webhook (Basic auth) opens a room; the agent's reply goes out through
// the SMTP server threaded to that mail; the customer's answer (JSON, signed) threads back into the
// room. Unsigned mail is refused and stores nothing, and a channel without an account deploys and
// refuses mail instead of crashing.
import { signWebhookBody } from '@roomwire/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFlows, startNodeRed, type NodeRed } from '../support/node-red';
import { startReceiver, type Receiver } from '../support/receiver';
import { until } from '../support/wait';
import { mime } from '../providers/email/support/mime';
import { startFakeSmtp, type FakeSmtp } from '../providers/email/support/smtp';

const TOKEN = 'email-e2e-token';
const INBOUND_SECRET = 'email-e2e-inbound-secret';
const PREFIX = 'roomwire-mail';

let nodeRed: NodeRed;
let smtp: FakeSmtp;
let agentInbox: Receiver;

function flows(smtpPort: number, agentUrl: string): unknown[] {
  return [
    { id: 'mail-tab', type: 'tab', label: 'Email' },
    { id: 'mail-engine', type: 'roomwire-engine', name: 'Mail engine', database: '', maxChainDepth: 5, httpPrefix: `/${PREFIX}`, credentials: { apiToken: TOKEN } },
    {
      id: 'mail-account',
      type: 'roomwire-email',
      name: 'Support mailbox',
      host: '127.0.0.1',
      port: smtpPort,
      secure: false,
      from: 'Acme Support <support@example.com>',
      replyAddress: '',
      subject: '',
      credentials: { inboundSecret: INBOUND_SECRET },
    },
    { id: 'mail-channel', type: 'roomwire-channel', engine: 'mail-engine', channelId: 'mail', channelType: 'email', provider: 'email', email: 'mail-account', direction: 'bidirectional' },
    { id: 'unset-channel', type: 'roomwire-channel', engine: 'mail-engine', channelId: 'mail-unset', channelType: 'email', provider: 'email', email: '', direction: 'bidirectional' },
    { id: 'agents-channel', type: 'roomwire-channel', engine: 'mail-engine', channelId: 'agents', channelType: 'console', provider: 'webhook', outboundUrl: `${agentUrl}agents/{address}`, direction: 'bidirectional' },
  ];
}

beforeAll(async () => {
  smtp = await startFakeSmtp();
  agentInbox = await startReceiver(200);
  nodeRed = await startNodeRed({ flows: [] });
  await deployFlows(nodeRed, flows(smtp.port, agentInbox.url));
});

afterAll(async () => {
  await nodeRed?.stop();
  await smtp?.close();
  await agentInbox?.close();
});

async function post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${nodeRed.httpNodeUrl}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const api = (operation: string, input: unknown) =>
  post(`${PREFIX}/api/operations/${operation}`, JSON.stringify(input), { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` });
const basic = `Basic ${Buffer.from(`inbound:${INBOUND_SECRET}`).toString('base64')}`;

function signedJson(body: unknown): { body: string; headers: Record<string, string> } {
  const text = JSON.stringify(body);
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    body: text,
    headers: { 'content-type': 'application/json', 'x-roomwire-timestamp': String(timestamp), 'x-roomwire-signature': signWebhookBody(INBOUND_SECRET, timestamp, text) },
  };
}

describe('an email channel in a flow', () => {
  it('takes a raw mail into a room, sends the agent\'s reply threaded through SMTP, and threads the answer back', async () => {
    const raw = await mime({ from: 'Ada Lovelace <ada@example.org>', to: 'support@example.com', subject: 'Printer on fire', text: 'It is smoking.', messageId: '<first@example.org>' });
    const first = await post(`${PREFIX}/webhook/mail`, raw, { 'content-type': 'message/rfc822', authorization: basic });
    expect(first.status).toBe(200);
    const roomId = first.body.accepted[0].roomId as string;

    const attached = await api('attachBinding', { roomId, channelId: 'agents', address: 'agent-1' });
    expect(attached.status).toBe(200);
    const said = await api('sendEvent', { roomId, bindingId: attached.body.binding.id, content: { type: 'text', text: 'Unplug it <now> & wait.' } });
    expect(said.status).toBe(200);
    const [reply] = await until(() => smtp.mails.length > 0 && smtp.mails, 'the reply through SMTP');
    expect(reply!.envelope.to).toEqual(['ada@example.org']);
    expect(reply!.parsed.subject).toBe('Re: Printer on fire');
    expect(reply!.parsed.inReplyTo).toBe('<first@example.org>');
    expect(reply!.parsed.replyTo!.value[0]!.address).toBe(`support+${roomId}@example.com`);
    expect(reply!.parsed.html).toContain('Unplug it &lt;now&gt; &amp; wait.');
    const deliveries = await until(async () => {
      const { body } = await api('getDeliveries', { eventId: said.body.event.id });
      const toAda = (body.deliveries as { channelId: string; status: string; providerMessageId: string }[]).find((d) => d.channelId === 'mail');
      return toAda?.status === 'sent' && toAda;
    }, 'the mail delivery to be sent');
    expect(deliveries.providerMessageId).toBe(reply!.parsed.messageId);

    const answer = signedJson({
      from: 'ada@example.org',
      to: `support+${roomId}@example.com`,
      subject: 'Re: Printer on fire',
      text: 'Done.\n\nOn Mon, Acme Support wrote:\n> Unplug it',
      headers: { 'Message-ID': '<second@example.org>', 'In-Reply-To': reply!.parsed.messageId },
    });
    const second = await post(`${PREFIX}/webhook/mail`, answer.body, answer.headers);
    expect(second.status).toBe(200);
    expect(second.body.accepted[0].roomId).toBe(roomId);
    const timeline = (await api('getTimeline', { roomId })).body.events.filter((e: { type: string }) => e.type === 'message');
    expect(timeline.map((e: { content: { text: string } }) => e.content.text)).toEqual(['It is smoking.', 'Unplug it <now> & wait.', 'Done.']);
  });

  it('refuses unsigned mail with 401 and stores nothing; the same mail signed is stored', async () => {
    const mail = { from: 'eve@example.org', to: 'support@example.com', subject: 'hi', text: 'unsigned', headers: { 'Message-ID': '<unsigned@example.org>' } };
    const unsigned = await post(`${PREFIX}/webhook/mail`, JSON.stringify(mail), { 'content-type': 'application/json' });
    expect(unsigned).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect((await api('lookupIdentity', { channelType: 'email', address: 'eve@example.org' })).body.identity).toBeNull();
    const signed = signedJson(mail);
    expect((await post(`${PREFIX}/webhook/mail`, signed.body, signed.headers)).status).toBe(200);
    expect((await api('lookupIdentity', { channelType: 'email', address: 'eve@example.org' })).body.identity).not.toBeNull();
  });

  it('deploys a channel with no email account, says so in the log, and takes no mail for it', async () => {
    expect(nodeRed.logs()).toContain('channel mail-unset is not started: its email provider is not configured (missing email)');
    const signed = signedJson({ from: 'bob@example.org', text: 'anyone?' });
    const answer = await post(`${PREFIX}/webhook/mail-unset`, signed.body, signed.headers);
    expect(answer).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await api('lookupIdentity', { channelType: 'email', address: 'bob@example.org' })).body.identity).toBeNull();
    expect(nodeRed.running()).toBe(true);
  });
});
