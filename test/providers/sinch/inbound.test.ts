// MESSAGE_INBOUND and MESSAGE_DELIVERY callbacks, as Sinch documents them, in Roomwire's terms:
// each contact message type as content, choice responses as the option's postback, the channel
// identity as the sender (as Sinch writes it), the whole body as the raw source; delivery statuses
// mapped (SWITCHING_CHANNEL changes nothing), reports for other channels or systems ignored, and
// unreadable payloads refused naming Sinch's field.
import { describe, expect, it } from 'vitest';
import { RoomwireError, SinchAccount, type ParsedInbound } from '../../../runtime/src';
import { APP_ID, KEY_ID, KEY_SECRET, PROJECT_ID, WEBHOOK_SECRET, deliveryReport, inboundCallback, signedCallback, sinchId, type SentMessage } from './support/sinch';

function channel(channelId: string, channelType: string) {
  const account = new SinchAccount({ projectId: PROJECT_ID, appId: APP_ID, keyId: KEY_ID, keySecret: KEY_SECRET, webhookSecret: WEBHOOK_SECRET, contactNames: false });
  const provider = account.provider({ channelId, channelType });
  // Without contact names to look up (contacts.test.ts), parsing answers at once.
  return (body: unknown, raw?: string): ParsedInbound[] => provider.parseInbound!(signedCallback(body, { raw })) as ParsedInbound[];
}

const sms = channel('sinch-sms', 'sms');
const whatsapp = channel('sinch-wa', 'whatsapp');

function refusal(run: () => unknown): RoomwireError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RoomwireError);
    return error as RoomwireError;
  }
  throw new Error('expected a refusal');
}

function sent(channelId: string, deliveryId: string, channels = ['SMS']): SentMessage {
  return {
    messageId: sinchId(),
    body: {
      recipient: { identified_by: { channel_identities: channels.map((c) => ({ channel: c, identity: '+46732001122' })) } },
      message_metadata: JSON.stringify({ roomwire: { deliveryId, channelId } }),
      correlation_id: 'order-1',
    },
    request: undefined as never,
  };
}

describe('MESSAGE_INBOUND', () => {
  it('a text message from the channel identity, with Sinch\'s message id, correlation id and the whole body as raw', () => {
    const body = inboundCallback('SMS', '46732001122', { text_message: { text: 'Hi!' } }, { correlation_id: 'order-1' });
    const message = (body.message as { id: string; contact_id: string; conversation_id: string });
    expect(sms(body)).toEqual([
      {
        kind: 'message',
        from: '46732001122',
        content: { type: 'text', text: 'Hi!' },
        providerMessageId: message.id,
        correlationId: 'order-1',
        metadata: { sinchContactId: message.contact_id, sinchConversationId: message.conversation_id },
        raw: body,
      },
    ]);
  });

  it('media with a MIME type read from the file name, and a media card with its caption', () => {
    const [image] = whatsapp(inboundCallback('WHATSAPP', '46732001122', { media_message: { url: 'https://media.sinch.example/abc/photo.JPG?sig=1' } }));
    expect(image).toMatchObject({ content: { type: 'media', url: 'https://media.sinch.example/abc/photo.JPG?sig=1', mimeType: 'image/jpeg' } });
    const [unknown] = whatsapp(inboundCallback('WHATSAPP', '46732001122', { media_message: { url: 'https://media.sinch.example/abc' } }));
    expect(unknown).toMatchObject({ content: { mimeType: 'application/octet-stream' } });
    const [card] = whatsapp(inboundCallback('WHATSAPP', '46732001122', { media_card_message: { url: 'https://m.example/v.mp4', caption: 'look' } }));
    expect(card).toMatchObject({ content: { type: 'media', url: 'https://m.example/v.mp4', mimeType: 'video/mp4', caption: 'look' } });
  });

  it('a location with its title as the label and its label as the address', () => {
    const [location] = whatsapp(inboundCallback('WHATSAPP', '46732001122', { location_message: { title: 'Home', label: 'Main St 1', coordinates: { latitude: 59.3, longitude: 18.1 } } }));
    expect(location).toMatchObject({ content: { type: 'location', latitude: 59.3, longitude: 18.1, label: 'Home', address: 'Main St 1' } });
  });

  it('a choice response as text carrying the option\'s postback, and what it replies to', () => {
    const repliedTo = sinchId();
    const [choice] = whatsapp(inboundCallback('WHATSAPP', '46732001122', { choice_response_message: { message_id: repliedTo, postback_data: 'TRACK' }, reply_to: { message_id: repliedTo } }));
    expect(choice).toMatchObject({ content: { type: 'text', text: 'TRACK' }, metadata: { postback: 'TRACK', replyTo: repliedTo } });
  });

  it('a fallback message\'s raw text; nothing for a fallback without text or a type Roomwire cannot show', () => {
    expect(sms(inboundCallback('SMS', '46732001122', { fallback_message: { raw_message: 'odd', reason: { code: 'UNKNOWN' } } }))).toMatchObject([{ content: { type: 'text', text: 'odd' } }]);
    expect(sms(inboundCallback('SMS', '46732001122', { fallback_message: { reason: { code: 'UNKNOWN' } } }))).toEqual([]);
    expect(sms(inboundCallback('SMS', '46732001122', { product_response_message: { products: [] } }))).toEqual([]);
  });

  it('ignores messages to another channel of the app (its own webhook stores them) and callbacks of other triggers', () => {
    const toWhatsapp = inboundCallback('WHATSAPP', '46732001122', { text_message: { text: 'hi' } });
    expect(sms(toWhatsapp)).toEqual([]);
    expect(whatsapp(toWhatsapp)).toHaveLength(1);
    expect(sms({ app_id: APP_ID, event: { direction: 'TO_APP', contact_event: { composing_event: {} } } })).toEqual([]);
    expect(sms({ app_id: APP_ID, conversation_start_notification: {} })).toEqual([]);
  });

  it('refuses unreadable payloads naming Sinch\'s field', () => {
    const cases: [unknown, string][] = [
      [inboundCallback('SMS', '46732001122', { text_message: { text: 42 } }), 'message.contact_message.text_message.text'],
      [inboundCallback('SMS', '46732001122', { text_message: {} }), 'message.contact_message.text_message.text'],
      [inboundCallback('SMS', '46732001122', { media_message: { url: 'ftp://x' } }), 'message.contact_message.media_message.url'],
      [inboundCallback('SMS', '46732001122', 'text' as unknown as Record<string, unknown>), 'message.contact_message'],
      [{ message: { id: 'x y', channel_identity: { channel: 'SMS', identity: '1' }, contact_message: {} } }, 'message.id'],
      [{ message: { id: 'abc', contact_message: {} } }, 'message.channel_identity'],
      [{ message_delivery_report: { message_id: 'abc' } }, 'message_delivery_report.status'],
      [[1, 2], 'body'],
    ];
    for (const [body, field] of cases) {
      expect(refusal(() => sms(body))).toMatchObject({ code: 'invalid_input', field });
    }
    const badLatitude = inboundCallback('WHATSAPP', '46732001122', { location_message: { coordinates: { latitude: 91, longitude: 0 } } });
    expect(refusal(() => whatsapp(badLatitude))).toMatchObject({ field: 'message.contact_message.location_message.coordinates.latitude' });
    expect(refusal(() => sms(undefined, '{not json'))).toMatchObject({ code: 'invalid_input', field: 'body' });
  });
});

describe('MESSAGE_DELIVERY', () => {
  it('maps QUEUED_ON_CHANNEL, DELIVERED, READ and FAILED, naming the delivery from message_metadata', () => {
    const message = sent('sinch-sms', 'dl_1');
    const status = (report: Record<string, unknown>) => sms(report)[0];
    expect(status(deliveryReport(message, 'QUEUED_ON_CHANNEL'))).toMatchObject({ kind: 'status', status: 'sent', deliveryId: 'dl_1', providerMessageId: message.messageId });
    expect(status(deliveryReport(message, 'DELIVERED'))).toMatchObject({ status: 'delivered', deliveryId: 'dl_1' });
    expect(status(deliveryReport(message, 'READ'))).toMatchObject({ status: 'read' });
    expect(status(deliveryReport(message, 'FAILED', { code: 'RECIPIENT_NOT_REACHABLE', description: 'gone', sub_code: 'UNSPECIFIED_SUB_CODE' }))).toMatchObject({
      status: 'failed',
      error: { code: 'sinch_RECIPIENT_NOT_REACHABLE', reason: 'Sinch reported RECIPIENT_NOT_REACHABLE: gone' },
    });
    expect(status(deliveryReport(message, 'FAILED', { code: 'OUTSIDE_ALLOWED_SENDING_WINDOW', description: '24 hours' }))).toMatchObject({
      status: 'failed',
      error: { code: 'outside_window' },
    });
    expect(status(deliveryReport(message, 'FAILED'))).toMatchObject({ status: 'failed', error: { code: 'sinch_UNKNOWN' } });
  });

  it('changes nothing on SWITCHING_CHANNEL (Sinch is trying the next channel) or QUEUED, nor on statuses Sinch adds later', () => {
    const message = sent('sinch-wa', 'dl_2', ['WHATSAPP', 'SMS']);
    expect(whatsapp(deliveryReport(message, 'SWITCHING_CHANNEL', { code: 'CHANNEL_FAILURE' }))).toEqual([]);
    expect(whatsapp(deliveryReport(message, 'QUEUED'))).toEqual([]);
    expect(whatsapp(deliveryReport(message, 'TELEPORTED'))).toEqual([]);
    // The final report after the switch comes from SMS, and still belongs to the WhatsApp delivery.
    expect(whatsapp(deliveryReport(message, 'DELIVERED', undefined, 'SMS'))).toMatchObject([{ status: 'delivered', deliveryId: 'dl_2' }]);
  });

  it('ignores reports for messages another channel of the app or another system sent', () => {
    const other = sent('sinch-wa', 'dl_3');
    expect(sms(deliveryReport(other, 'DELIVERED'))).toEqual([]);
    expect(whatsapp(deliveryReport(other, 'DELIVERED'))).toHaveLength(1);
    const foreign = { ...sent('sinch-sms', 'dl_4'), body: { ...sent('sinch-sms', 'dl_4').body, message_metadata: 'crm-campaign-7' } };
    expect(sms(deliveryReport(foreign, 'DELIVERED'))).toEqual([]);
  });
});
