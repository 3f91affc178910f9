// Sends through messages:send, against a fake Sinch that checks every request: the path, the
// OAuth2 token request (Basic auth, form body) and the Bearer token on each send, the JSON fields
// (app_id, recipient identities, message type, correlation_id, message_metadata,
// channel_priority_order), how each content becomes a Sinch message type, token caching and
// refresh, and how each error answer decides between a retry and a final failure.
import { createServer } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError, SinchAccount, createSinchProvider, sinchBaseUrl, type OutboundMessage, type Provider, type SinchAccountOptions } from '../../../runtime/src';
import { sinchAccountOptions } from './support/engine';
import { APP_ID, sinchErrorAnswer, startFakeSinch, type FakeSinch } from './support/sinch';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function fake(options: { expiresIn?: number } = {}): Promise<FakeSinch> {
  const sinch = await startFakeSinch(options);
  closers.push(() => sinch.server.close());
  return sinch;
}

function account(sinch: FakeSinch, extra: Partial<SinchAccountOptions> = {}): SinchAccount {
  const opened = new SinchAccount(sinchAccountOptions(sinch, extra));
  closers.push(async () => opened.close());
  return opened;
}

let sequence = 0;
function outbound(channelType: string, content: Record<string, unknown>, extra: Partial<OutboundMessage> = {}): OutboundMessage {
  sequence++;
  const channelId = `sinch-${channelType}`;
  return {
    deliveryId: `dl_${sequence}`,
    idempotencyKey: `ev_${sequence}:bd_1`,
    channel: { id: channelId, type: channelType } as OutboundMessage['channel'],
    roomId: 'rm_1',
    event: { id: `ev_${sequence}`, correlationId: `order-${sequence}` } as OutboundMessage['event'],
    content: content as OutboundMessage['content'],
    to: { bindingId: 'bd_1', address: '+46732001122', metadata: {} },
    attempt: 1,
    ...extra,
  };
}

async function sendError(provider: Provider, message: OutboundMessage): Promise<ProviderError> {
  try {
    await provider.send(message);
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected the send to fail');
}

describe('the request', () => {
  it('gets a token with Basic auth, then POSTs the message as JSON with the Bearer token, app_id, recipient identity, correlation_id and message_metadata', async () => {
    const sinch = await fake();
    const provider = account(sinch).provider({ channelId: 'sinch-sms', channelType: 'sms' });
    const message = outbound('sms', { type: 'text', text: 'Grüße & 😀 "quoted"\nline 2' });
    const result = await provider.send(message);
    expect(sinch.violations).toEqual([]);
    expect(sinch.tokensIssued).toHaveLength(1);
    const [sent] = sinch.messages;
    expect(result).toEqual({ status: 'sent', providerMessageId: sent!.messageId });
    expect(sent!.request.headers.authorization).toBe(`Bearer ${sinch.tokensIssued[0]}`);
    expect(sent!.request.headers['content-type']).toBe('application/json');
    // The body is UTF-8 JSON as sent: parsing the raw bytes gives the text back unchanged.
    expect(sent!.body).toEqual({
      app_id: APP_ID,
      recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity: '+46732001122' }] } },
      message: { text_message: { text: 'Grüße & 😀 "quoted"\nline 2' } },
      message_metadata: JSON.stringify({ roomwire: { deliveryId: message.deliveryId, channelId: 'sinch-sms' } }),
      correlation_id: message.event.correlationId,
    });
  });

  it('names the channel by the channel type (WHATSAPP, RCS, MESSENGER) or by sinchChannel', async () => {
    const sinch = await fake();
    const app = account(sinch);
    await app.provider({ channelId: 'sinch-whatsapp', channelType: 'whatsapp' }).send(outbound('whatsapp', { type: 'text', text: 'a' }));
    await app.provider({ channelId: 'sinch-rcs', channelType: 'rcs' }).send(outbound('rcs', { type: 'text', text: 'b' }));
    await app.provider({ channelId: 'viber', channelType: 'chat', sinchChannel: 'viberbm' }).send(outbound('chat', { type: 'text', text: 'c' }));
    expect(sinch.messages.map((m) => (m.body.recipient as { identified_by: { channel_identities: { channel: string }[] } }).identified_by.channel_identities[0]!.channel)).toEqual(['WHATSAPP', 'RCS', 'VIBERBM']);
    expect(() => app.provider({ channelId: 'x', channelType: 'chat' })).toThrow(/sinchChannel/);
    expect(() => app.provider({ channelId: 'x', channelType: 'sms', sinchChannel: 'PIGEON' })).toThrow(/sinchChannel: must be one of/);
  });

  it('leaves correlation_id out when the event has none or it is longer than Sinch accepts (128)', async () => {
    const sinch = await fake();
    const provider = account(sinch).provider({ channelId: 'sinch-sms', channelType: 'sms' });
    await provider.send(outbound('sms', { type: 'text', text: 'a' }, { event: { id: 'ev', correlationId: null } as unknown as OutboundMessage['event'] }));
    await provider.send(outbound('sms', { type: 'text', text: 'b' }, { event: { id: 'ev', correlationId: 'x'.repeat(129) } as unknown as OutboundMessage['event'] }));
    await provider.send(outbound('sms', { type: 'text', text: 'c' }, { event: { id: 'ev', correlationId: 'x'.repeat(128) } as unknown as OutboundMessage['event'] }));
    expect(sinch.messages.map((m) => m.body.correlation_id)).toEqual([undefined, undefined, 'x'.repeat(128)]);
    expect(sinch.violations).toEqual([]);
  });

  it('sends channel_priority_order when the binding\'s fallback names channels of the same Sinch app, in the fallback\'s order', async () => {
    const sinch = await fake();
    const app = account(sinch);
    const whatsapp = app.provider({ channelId: 'sinch-wa', channelType: 'whatsapp' });
    app.provider({ channelId: 'sinch-sms', channelType: 'sms' });
    app.provider({ channelId: 'sinch-rcs', channelType: 'rcs' });
    const fallback = { channels: ['other-provider-sms', 'sinch-rcs', 'sinch-sms'], on: ['failed' as const] };
    await whatsapp.send(outbound('whatsapp', { type: 'text', text: 'hi' }, { to: { bindingId: 'bd', address: '+46732001122', metadata: {}, fallback } }));
    // Without a fallback, or one naming no channel of this app: no priority order.
    await whatsapp.send(outbound('whatsapp', { type: 'text', text: 'hi' }, { to: { bindingId: 'bd', address: '+46732001122', metadata: {}, fallback: { channels: ['email'], on: ['failed'] } } }));
    await whatsapp.send(outbound('whatsapp', { type: 'text', text: 'hi' }));
    expect(sinch.violations).toEqual([]);
    const [first, second, third] = sinch.messages;
    expect(first!.body.channel_priority_order).toEqual(['WHATSAPP', 'RCS', 'SMS']);
    expect(first!.body.recipient).toEqual({
      identified_by: { channel_identities: ['WHATSAPP', 'RCS', 'SMS'].map((channel) => ({ channel, identity: '+46732001122' })) },
    });
    expect(second!.body.channel_priority_order).toBeUndefined();
    expect(third!.body.channel_priority_order).toBeUndefined();
  });

  it('uses the region\'s base URL unless one is configured, and refuses an unknown region naming the field', () => {
    expect(sinchBaseUrl('eu')).toBe('https://eu.conversation.api.sinch.com');
    expect(sinchBaseUrl('br')).toBe('https://br.conversation.api.sinch.com');
    const options = { projectId: 'p', appId: 'a', keyId: 'k', keySecret: 's' };
    expect(new SinchAccount({ ...options, region: 'eu' }).client.sendUrl).toBe('https://eu.conversation.api.sinch.com/v1/projects/p/messages:send');
    expect(new SinchAccount(options).client.sendUrl).toBe('https://us.conversation.api.sinch.com/v1/projects/p/messages:send');
    expect(new SinchAccount({ ...options, region: 'eu', baseUrl: 'http://127.0.0.1:9/' }).client.sendUrl).toBe('http://127.0.0.1:9/v1/projects/p/messages:send');
    expect(() => new SinchAccount({ ...options, region: 'mars' as 'eu' })).toThrow(/region: must be one of us, eu, br/);
    expect(() => new SinchAccount({ ...options, keySecret: ' ' })).toThrow(/keySecret: is required/);
    expect(() => new SinchAccount({ ...options, projectId: '' })).toThrow(/projectId: is required/);
  });
});

describe('content as Sinch message types', () => {
  async function sent(channelType: string, content: Record<string, unknown>) {
    const sinch = await fake();
    await account(sinch).provider({ channelId: `sinch-${channelType}`, channelType }).send(outbound(channelType, content));
    expect(sinch.violations).toEqual([]);
    return sinch.messages.map((m) => m.body.message);
  }

  it('media as media_message with the file name', async () => {
    expect(await sent('whatsapp', { type: 'media', url: 'https://cdn.example/a.pdf', mimeType: 'application/pdf', filename: 'invoice.pdf' })).toEqual([
      { media_message: { url: 'https://cdn.example/a.pdf', filename_override: 'invoice.pdf' } },
    ]);
  });

  it('buttons and quick replies as a choice_message: reply choices carry their postback, links and calls their targets', async () => {
    expect(
      await sent('rcs', {
        type: 'rich',
        text: 'How can we help?',
        buttons: [{ title: 'Track', postback: 'TRACK' }, { title: 'Site', url: 'https://example.org' }, { title: 'Call', phone: '+15550100' }],
        quickReplies: [{ title: 'Agent', postback: 'AGENT' }],
      }),
    ).toEqual([
      {
        choice_message: {
          text_message: { text: 'How can we help?' },
          choices: [
            { text_message: { text: 'Track' }, postback_data: 'TRACK' },
            { url_message: { title: 'Site', url: 'https://example.org' } },
            { call_message: { title: 'Call', phone_number: '+15550100' } },
            { text_message: { text: 'Agent' }, postback_data: 'AGENT' },
          ],
        },
      },
    ]);
  });

  it('one card as a card_message (after its text), several as a carousel_message', async () => {
    const card = { title: 'Blue shoes', subtitle: '€40', imageUrl: 'https://cdn.example/b.jpg', buttons: [{ title: 'Buy', id: 'buy-1' }] };
    expect(await sent('rcs', { type: 'rich', text: 'Our pick', cards: [card] })).toEqual([
      { text_message: { text: 'Our pick' } },
      { card_message: { title: 'Blue shoes', description: '€40', media_message: { url: 'https://cdn.example/b.jpg' }, choices: [{ text_message: { text: 'Buy' }, postback_data: 'buy-1' }] } },
    ]);
    expect(await sent('rcs', { type: 'rich', carousel: { cards: [card, { title: 'Red shoes' }] } })).toEqual([
      {
        carousel_message: {
          cards: [
            { title: 'Blue shoes', description: '€40', media_message: { url: 'https://cdn.example/b.jpg' }, choices: [{ text_message: { text: 'Buy' }, postback_data: 'buy-1' }] },
            { title: 'Red shoes' },
          ],
        },
      },
    ]);
  });

  it('a list as a list_message whose rows send back their ids', async () => {
    expect(
      await sent('whatsapp', {
        type: 'list',
        text: 'Pick a slot',
        button: 'Slots',
        sections: [{ title: 'Monday', rows: [{ id: 'mon-9', title: '9:00', description: 'morning' }] }, { rows: [{ id: 'tue-9', title: 'Tue 9:00' }] }],
      }),
    ).toEqual([
      {
        list_message: {
          title: 'Pick a slot',
          sections: [
            { title: 'Monday', items: [{ choice: { title: '9:00', description: 'morning', postback_data: 'mon-9' } }] },
            { items: [{ choice: { title: 'Tue 9:00', postback_data: 'tue-9' } }] },
          ],
          message_properties: { menu: 'Slots' },
        },
      },
    ]);
  });

  it('a location as a location_message with its coordinates, title and label', async () => {
    expect(await sent('whatsapp', { type: 'location', latitude: 59.33, longitude: 18.06, label: 'Office', address: 'Lindhagensgatan 74' })).toEqual([
      { location_message: { coordinates: { latitude: 59.33, longitude: 18.06 }, title: 'Office', label: 'Lindhagensgatan 74' } },
    ]);
  });

  it('a template as an omni template_message, positional parameters numbered', async () => {
    expect(await sent('whatsapp', { type: 'template', name: 'order_ready', language: 'en_US', parameters: ['Ada', '42'] })).toEqual([
      { template_message: { omni_template: { template_id: 'order_ready', version: 'latest', language_code: 'en_US', parameters: { 1: 'Ada', 2: '42' } } } },
    ]);
  });

  it('refuses content Sinch cannot carry as a permanent unsupported_content failure', async () => {
    const sinch = await fake();
    const provider = account(sinch).provider({ channelId: 'sinch-sms', channelType: 'sms' });
    const error = await sendError(provider, outbound('sms', { type: 'custom:acme', data: {} }));
    expect(error).toMatchObject({ code: 'unsupported_content', permanent: true });
    expect(sinch.messages).toHaveLength(0);
  });
});

describe('OAuth2 tokens', () => {
  it('caches the token across sends and channels of one account, and fetches a new one shortly before it expires', async () => {
    const sinch = await fake({ expiresIn: 3600 });
    let now = Date.now();
    const app = account(sinch, { clock: () => now });
    const sms = app.provider({ channelId: 'sinch-sms', channelType: 'sms' });
    const whatsapp = app.provider({ channelId: 'sinch-wa', channelType: 'whatsapp' });
    await Promise.all([sms.send(outbound('sms', { type: 'text', text: '1' })), whatsapp.send(outbound('whatsapp', { type: 'text', text: '2' })), sms.send(outbound('sms', { type: 'text', text: '3' }))]);
    expect(sinch.tokensIssued).toHaveLength(1);
    now += 3600_000 - 61_000;
    await sms.send(outbound('sms', { type: 'text', text: '4' }));
    expect(sinch.tokensIssued).toHaveLength(1);
    now += 2_000;
    await sms.send(outbound('sms', { type: 'text', text: '5' }));
    expect(sinch.tokensIssued).toHaveLength(2);
    expect(sinch.messages.map((m) => m.request.headers.authorization)).toEqual([...Array(4).fill(`Bearer ${sinch.tokensIssued[0]}`), `Bearer ${sinch.tokensIssued[1]}`]);
    expect(sinch.violations).toEqual([]);
  });

  it('refreshes the token once when Sinch answers 401, and sends the message once', async () => {
    const sinch = await fake();
    const provider = account(sinch).provider({ channelId: 'sinch-sms', channelType: 'sms' });
    await provider.send(outbound('sms', { type: 'text', text: 'before' }));
    sinch.revokeTokens();
    await provider.send(outbound('sms', { type: 'text', text: 'after' }));
    expect(sinch.tokensIssued).toHaveLength(2);
    expect(sinch.messages.map((m) => (m.body.message as { text_message: { text: string } }).text_message.text)).toEqual(['before', 'after']);
    expect(sinch.messages[1]!.request.headers.authorization).toBe(`Bearer ${sinch.tokensIssued[1]}`);
  });

  it('fails permanently when the fresh token is refused too (no loop), and when the token endpoint refuses the key', async () => {
    const sinch = await fake();
    const provider = account(sinch).provider({ channelId: 'sinch-sms', channelType: 'sms' });
    await provider.send(outbound('sms', { type: 'text', text: 'warm-up' }));
    const requestsBefore = sinch.server.requests.length;
    // The cached token is refused, and so is the fresh one.
    sinch.revokeTokens();
    sinch.faults.push(sinchErrorAnswer(401, 'UNAUTHENTICATED', 'still no'));
    const error = await sendError(provider, outbound('sms', { type: 'text', text: 'x' }));
    expect(error).toMatchObject({ code: 'sinch_UNAUTHENTICATED', permanent: true });
    // One send, one token request, one retried send: no more.
    expect(sinch.server.requests.length - requestsBefore).toBe(3);

    const refused = await fake();
    refused.tokenFaults.push({ status: 401, headers: { 'content-type': 'application/json' }, body: '{"error":"invalid_client"}' });
    const bad = account(refused).provider({ channelId: 'sinch-sms', channelType: 'sms' });
    expect(await sendError(bad, outbound('sms', { type: 'text', text: 'x' }))).toMatchObject({ code: 'sinch_auth_refused', permanent: true });
    refused.tokenFaults.push({ status: 503, body: '' });
    expect(await sendError(bad, outbound('sms', { type: 'text', text: 'x' }))).toMatchObject({ code: 'sinch_auth_unavailable', permanent: false });
    expect(refused.messages).toHaveLength(0);
  });
});

describe('errors decide between retry and failure', () => {
  it('maps 400 to a permanent sinch_<status>, 429 and 5xx to transient failures, and never shows credentials', async () => {
    const sinch = await fake();
    const provider = account(sinch).provider({ channelId: 'sinch-sms', channelType: 'sms' });
    sinch.faults.push(sinchErrorAnswer(400, 'INVALID_ARGUMENT', 'recipient is not valid'));
    const invalid = await sendError(provider, outbound('sms', { type: 'text', text: 'x' }));
    expect(invalid).toMatchObject({ code: 'sinch_INVALID_ARGUMENT', permanent: true });
    expect(invalid.message).toContain('recipient is not valid');
    sinch.faults.push(sinchErrorAnswer(429, 'RESOURCE_EXHAUSTED', 'slow down'));
    expect(await sendError(provider, outbound('sms', { type: 'text', text: 'x' }))).toMatchObject({ code: 'sinch_RESOURCE_EXHAUSTED', permanent: false });
    sinch.faults.push({ status: 503, body: 'upstream' });
    expect(await sendError(provider, outbound('sms', { type: 'text', text: 'x' }))).toMatchObject({ code: 'http_503', permanent: false });
    sinch.faults.push(sinchErrorAnswer(403, 'PERMISSION_DENIED', 'app not in project'));
    const denied = await sendError(provider, outbound('sms', { type: 'text', text: 'x' }));
    expect(denied).toMatchObject({ code: 'sinch_PERMISSION_DENIED', permanent: true });
    for (const error of [invalid, denied]) expect(error.message).not.toMatch(/key-secret|tok-/);
    await provider.send(outbound('sms', { type: 'text', text: 'fine' }));
    expect(sinch.messages).toHaveLength(1);
  });

  it('retries a send that never connected, and never resends one that may have reached Sinch (outcome_unknown)', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const sinch = await fake();
    const unreachable = account(sinch, { baseUrl: `http://127.0.0.1:${port}` }).provider({ channelId: 'sinch-sms', channelType: 'sms' });
    expect(await sendError(unreachable, outbound('sms', { type: 'text', text: 'x' }))).toMatchObject({ code: 'network', permanent: false });

    const hanging = account(sinch, { timeoutMs: 200 }).provider({ channelId: 'sinch-sms', channelType: 'sms' });
    sinch.faults.push('hang');
    const unknown = await sendError(hanging, outbound('sms', { type: 'text', text: 'x' }));
    expect(unknown).toMatchObject({ code: 'outcome_unknown', permanent: true });
    expect(unknown.message).toMatch(/not sent again/);
  });

  it('retries only the rest of content sent as several messages: a text before a card is not sent twice', async () => {
    const sinch = await fake();
    const provider = account(sinch).provider({ channelId: 'sinch-rcs', channelType: 'rcs' });
    const message = outbound('rcs', { type: 'rich', text: 'Our pick', cards: [{ title: 'Blue shoes' }] });
    sinch.faults.push(null, { status: 503, body: '' });
    expect(await sendError(provider, message)).toMatchObject({ code: 'http_503', permanent: false });
    const retried = await provider.send({ ...message, attempt: 2 });
    expect(sinch.messages.map((m) => Object.keys(m.body.message as object)[0])).toEqual(['text_message', 'card_message']);
    expect(retried).toEqual({ status: 'sent', providerMessageId: sinch.messages[1]!.messageId });
    // A later send of the same content starts from the first message again.
    await provider.send({ ...message, idempotencyKey: 'ev_other:bd_1' });
    expect(sinch.messages).toHaveLength(4);
  });

  it('close() of a provider made by createSinchProvider releases its account (tokens, nonces)', async () => {
    const sinch = await fake();
    const provider = createSinchProvider({ ...sinchAccountOptions(sinch), channelId: 'sinch-sms', channelType: 'sms' });
    await provider.send(outbound('sms', { type: 'text', text: 'x' }));
    await provider.close!();
    // A closed provider's account holds no token: a send after close would ask for a new one.
    await provider.send(outbound('sms', { type: 'text', text: 'y' }));
    expect(sinch.tokensIssued).toHaveLength(2);
    await provider.close!();
  });
});
