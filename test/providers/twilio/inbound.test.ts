// What Twilio posts, read into Roomwire's terms: incoming SMS, MMS and WhatsApp messages (text,
// media, location, button replies, profile names) with every field kept raw, and status
// callbacks mapped to delivery statuses, 63016 to the `outside_window` the fallback acts on.
import { describe, expect, it } from 'vitest';
import { createTwilioProvider, mapTwilioStatus, type ParsedInbound } from '../../../runtime/src';
import { ACCOUNT_SID, AUTH_TOKEN, incomingSms, signedRequest, type Params } from './support/twilio';

const WEBHOOK = 'https://rooms.example.com/roomwire/webhook/twilio';
const provider = createTwilioProvider({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: '+15550009999' });

function parse(params: Params, url = WEBHOOK): ParsedInbound[] {
  const request = signedRequest(url, params);
  provider.verifyInbound!(request);
  const parsed = provider.parseInbound!(request);
  // Twilio's provider parses synchronously, so parseError below catches a refusal as it is thrown.
  if (!Array.isArray(parsed)) throw new Error('expected the Twilio provider to parse synchronously');
  return parsed;
}

function parseError(params: Params): { code: string; field?: string; message: string } {
  try {
    parse(params);
  } catch (error) {
    return error as never;
  }
  throw new Error('expected the payload to be refused');
}

describe('incoming messages', () => {
  it('reads an SMS as text from its sender, with the Message SID as provider message id and every field raw', () => {
    const params = incomingSms('+15550001', '+15550009999', 'Hello & welcome + more', { NewFieldTwilioAddedLater: 'x' });
    const [item, ...rest] = parse(params);
    expect(rest).toEqual([]);
    expect(item).toEqual({
      kind: 'message',
      from: '+15550001',
      content: { type: 'text', text: 'Hello & welcome + more' },
      providerMessageId: params.MessageSid,
      raw: params,
    });
  });

  it('reads MMS media as one media event per item, the text as the first caption', () => {
    const params = incomingSms('+15550001', '+15550009999', 'see attached', {
      NumMedia: '2',
      MediaUrl0: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM1/Media/ME1`,
      MediaContentType0: 'image/jpeg',
      MediaUrl1: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM1/Media/ME2`,
      MediaContentType1: 'application/pdf',
    });
    const items = parse(params) as Extract<ParsedInbound, { kind: 'message' }>[];
    expect(items.map((i) => [i.content, i.providerMessageId])).toEqual([
      [{ type: 'media', url: params.MediaUrl0, mimeType: 'image/jpeg', caption: 'see attached' }, params.MessageSid],
      [{ type: 'media', url: params.MediaUrl1, mimeType: 'application/pdf' }, `${params.MessageSid}:1`],
    ]);
    expect(items.every((i) => i.raw === items[0]!.raw && (i.raw as Params).MediaUrl1 === params.MediaUrl1)).toBe(true);
  });

  it('reads a WhatsApp message from whatsapp:+… with the profile name as display name', () => {
    const params = incomingSms('whatsapp:+15550001', 'whatsapp:+15550009999', 'hola', { ProfileName: 'Ada', WaId: '15550001' });
    expect(parse(params)[0]).toMatchObject({ from: 'whatsapp:+15550001', displayName: 'Ada', content: { type: 'text', text: 'hola' } });
  });

  it('reads a WhatsApp location with its label and address', () => {
    const params = incomingSms('whatsapp:+15550001', 'whatsapp:+15550009999', '', {
      Latitude: '37.7879277',
      Longitude: '-122.4005464',
      Label: 'Twilio HQ',
      Address: '101 Spear St, San Francisco',
      MessageType: 'location',
    });
    expect(parse(params)[0]).toMatchObject({
      content: { type: 'location', latitude: 37.7879277, longitude: -122.4005464, label: 'Twilio HQ', address: '101 Spear St, San Francisco' },
    });
  });

  it('reads a WhatsApp button reply as its text, with the payload as the postback in metadata', () => {
    const params = incomingSms('whatsapp:+15550001', 'whatsapp:+15550009999', 'Yes please', {
      ButtonText: 'Yes please',
      ButtonPayload: 'confirm-order-7',
      MessageType: 'button',
    });
    expect(parse(params)[0]).toMatchObject({ content: { type: 'text', text: 'Yes please' }, metadata: { postback: 'confirm-order-7' } });
  });

  it('stores nothing for a message with nothing to show (no body, media, location or button)', () => {
    expect(parse(incomingSms('whatsapp:+15550001', 'whatsapp:+15550009999', '', { MessageType: 'unsupported' }))).toEqual([]);
  });

  it('names the Twilio field of a payload it cannot read', () => {
    const base = incomingSms('+15550001', '+15550009999', 'x');
    expect(parseError({ ...base, MessageSid: '' })).toMatchObject({ code: 'invalid_input', field: 'MessageSid' });
    expect(parseError({ ...base, From: '' })).toMatchObject({ code: 'invalid_input', field: 'From' });
    expect(parseError({ ...base, NumMedia: 'two' })).toMatchObject({ code: 'invalid_input', field: 'NumMedia' });
    expect(parseError({ ...base, NumMedia: '1' })).toMatchObject({ code: 'invalid_input', field: 'MediaUrl0' });
    expect(parseError({ ...base, NumMedia: '1', MediaUrl0: 'ftp://x/y' })).toMatchObject({ field: 'MediaUrl0' });
    expect(parseError({ ...base, NumMedia: '1', MediaUrl0: 'https://x/y', MediaContentType0: 'not a type' })).toMatchObject({ field: 'MediaContentType0' });
    expect(parseError({ ...base, Latitude: 'north', Longitude: '1' })).toMatchObject({ field: 'Latitude' });
    expect(parseError({ ...base, Latitude: '1', Longitude: '181' })).toMatchObject({ field: 'Longitude' });
    expect(parseError({ ...base, ProfileName: 'x'.repeat(300) })).toMatchObject({ field: 'ProfileName' });
  });
});

describe('status callbacks', () => {
  const callback = (status: string, extra: Params = {}): Params => ({
    SmsSid: 'SM0123',
    SmsStatus: status,
    MessageStatus: status,
    To: '+15550001',
    MessageSid: 'SM0123',
    AccountSid: ACCOUNT_SID,
    From: '+15550009999',
    ApiVersion: '2010-04-01',
    ...extra,
  });

  it('maps delivered, naming the delivery from the StatusCallback URL and the message by its SID', () => {
    expect(parse(callback('delivered'), `${WEBHOOK}?deliveryId=dlv_42`)).toEqual([
      { kind: 'status', providerMessageId: 'SM0123', deliveryId: 'dlv_42', status: 'delivered', raw: callback('delivered') },
    ]);
  });

  it('ignores statuses before the hand-over and statuses it does not know', () => {
    for (const status of ['queued', 'accepted', 'scheduled', 'partially_delivered', 'some_future_status']) expect(parse(callback(status))).toEqual([]);
  });

  it('maps 63016 to outside_window, and other error codes to twilio_<code>', () => {
    expect(parse(callback('undelivered', { ErrorCode: '63016' }))[0]).toMatchObject({ status: 'undelivered', error: { code: 'outside_window' } });
    expect(parse(callback('failed', { ErrorCode: '30006' }))[0]).toMatchObject({ status: 'failed', error: { code: 'twilio_30006' } });
  });
});

describe('the status table', () => {
  it('maps each Twilio status to a delivery status or ignores it', () => {
    const table = Object.fromEntries(
      ['queued', 'accepted', 'scheduled', 'sending', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'canceled', 'receiving', 'received'].map((s) => [
        s,
        mapTwilioStatus(s)?.status ?? null,
      ]),
    );
    expect(table).toEqual({
      queued: null,
      accepted: null,
      scheduled: null,
      sending: 'sent',
      sent: 'sent',
      delivered: 'delivered',
      read: 'read',
      failed: 'failed',
      undelivered: 'undelivered',
      canceled: 'failed',
      receiving: null,
      received: null,
    });
  });

  it('gives every failure an error: the code, its message and a link to Twilio\'s explanation', () => {
    expect(mapTwilioStatus('undelivered', '63016')).toEqual({
      status: 'undelivered',
      error: {
        code: 'outside_window',
        reason: 'Twilio error 63016: WhatsApp free-form message outside the 24-hour session window (https://www.twilio.com/docs/api/errors/63016)',
      },
    });
    expect(mapTwilioStatus('failed', '30003', 'Unreachable destination handset')?.error?.reason).toContain('30003: Unreachable destination handset');
    expect(mapTwilioStatus('failed')).toEqual({ status: 'failed', error: { code: 'twilio_failed', reason: 'Twilio reported the message failed' } });
    expect(mapTwilioStatus('delivered', '30007')).toEqual({ status: 'delivered' });
  });
});
