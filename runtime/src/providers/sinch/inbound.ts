// What Sinch posts to a channel's webhook, in Roomwire's terms. A MESSAGE_INBOUND callback (a
// top-level `message`) is a message from a contact: text, media, a media card, a location, a
// choice response (its postback travels in the event's metadata, as Twilio's button replies do),
// or a fallback message's raw text. A MESSAGE_DELIVERY callback (`message_delivery_report`) is a
// status for a message Roomwire sent; the `message_metadata` Roomwire sent with it names the
// delivery and the channel. Callbacks of other triggers, and those for another channel of the
// same Sinch app, are answered 200 and store nothing. The whole body is the event's raw source.
import { RoomwireError } from '../../errors';
import type { Content, Json, JsonObject } from '../../model';
import type { ParsedInbound } from '../contract';
import { mapSinchStatus, type SinchReason } from './status';

type InboundMessage = Extract<ParsedInbound, { kind: 'message' }>;

/** What Roomwire puts in `message_metadata` on every send, so delivery reports map back. */
export interface SinchSendMetadata {
  deliveryId: string;
  channelId: string;
}

export function encodeSendMetadata(metadata: SinchSendMetadata): string {
  return JSON.stringify({ roomwire: metadata });
}

export function decodeSendMetadata(value: unknown): SinchSendMetadata | null {
  if (typeof value !== 'string' || value === '' || value.length > 1024) return null;
  try {
    const parsed = (JSON.parse(value) as { roomwire?: { deliveryId?: unknown; channelId?: unknown } }).roomwire;
    if (typeof parsed?.deliveryId === 'string' && typeof parsed.channelId === 'string') return { deliveryId: parsed.deliveryId, channelId: parsed.channelId };
  } catch {
    // Metadata written by something else sharing the app.
  }
  return null;
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Whether `value` looks like an id Sinch gives (a message, a contact): safe in a URL path. */
export function isSinchId(value: unknown): value is string {
  return typeof value === 'string' && ID.test(value);
}
const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  '3gp': 'video/3gpp',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  amr: 'audio/amr',
  m4a: 'audio/mp4',
  pdf: 'application/pdf',
  vcf: 'text/vcard',
};

function invalid(field: string, message: string): RoomwireError {
  return new RoomwireError('invalid_input', message, field);
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, 'must be an object');
  return value as Record<string, unknown>;
}

function string(value: unknown, field: string, options: { required?: boolean; max?: number } = {}): string | undefined {
  if (value === undefined || value === null || value === '') {
    if (options.required) throw invalid(field, 'is required');
    return undefined;
  }
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  if (options.max !== undefined && value.length > options.max) throw invalid(field, `longer than ${options.max} characters`);
  return value;
}

function httpUrl(value: unknown, field: string): string {
  const url = string(value, field, { required: true, max: 4096 })!;
  if (!/^https?:\/\/\S+$/.test(url)) throw invalid(field, 'is not an http(s) URL');
  return url;
}

/** Sinch gives no MIME type for inbound media: it is read from the file name's extension. */
function mimeTypeOf(url: string): string {
  const path = url.split(/[?#]/)[0]!;
  const extension = /\.([A-Za-z0-9]{1,5})$/.exec(path)?.[1]?.toLowerCase();
  return (extension && MIME_BY_EXTENSION[extension]) ?? 'application/octet-stream';
}

function coordinate(value: unknown, field: string, limit: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > limit) throw invalid(field, `must be a number from -${limit} to ${limit}`);
  return value;
}

/** The body of a Sinch callback; throws invalid_input for anything that is not a JSON object. */
export function parseSinchBody(rawBody: Buffer): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw invalid('body', 'the request body is not valid JSON');
  }
  return object(body, 'body');
}

/**
 * `channelId` and `sinchChannel` are the Roomwire channel the webhook belongs to and the Sinch
 * channel it speaks for: callbacks about other channels of the app are not this channel's.
 */
export function parseSinchCallback(body: Record<string, unknown>, channelId: string, sinchChannel: string): ParsedInbound[] {
  if (body.message_delivery_report !== undefined) return parseReport(body, channelId);
  if (body.message !== undefined) return parseMessage(body, sinchChannel);
  // EVENT_INBOUND (composing), CONVERSATION_START, contact events...: nothing to store.
  return [];
}

function parseReport(body: Record<string, unknown>, channelId: string): ParsedInbound[] {
  const report = object(body.message_delivery_report, 'message_delivery_report');
  const messageId = string(report.message_id, 'message_delivery_report.message_id', { required: true })!;
  if (!ID.test(messageId)) throw invalid('message_delivery_report.message_id', 'is not a Sinch message id');
  const status = string(report.status, 'message_delivery_report.status', { required: true, max: 64 })!;
  const sent = decodeSendMetadata(report.metadata) ?? decodeSendMetadata(body.message_metadata);
  // A message another channel (or another system) sent through the same app.
  if (!sent || sent.channelId !== channelId) return [];
  const reason = report.reason !== undefined && report.reason !== null && report.reason !== '' ? (object(report.reason, 'message_delivery_report.reason') as SinchReason) : undefined;
  const mapped = mapSinchStatus(status, reason);
  if (!mapped) return [];
  return [{ kind: 'status', providerMessageId: messageId, deliveryId: sent.deliveryId, ...mapped, raw: body as Json }];
}

function parseMessage(body: Record<string, unknown>, sinchChannel: string): InboundMessage[] {
  const message = object(body.message, 'message');
  const id = string(message.id, 'message.id', { required: true })!;
  if (!ID.test(id)) throw invalid('message.id', 'is not a Sinch message id');
  const identity = object(message.channel_identity, 'message.channel_identity');
  const channel = string(identity.channel, 'message.channel_identity.channel', { required: true, max: 64 })!;
  // Sent to another channel of the app: that channel's webhook stores it.
  if (channel !== sinchChannel) return [];
  // An MSISDN (`46732001122`) becomes E.164 in the engine's address normalisation for phone types.
  const from = string(identity.identity, 'message.channel_identity.identity', { required: true, max: 256 })!;
  const contactMessage = object(message.contact_message, 'message.contact_message');
  const parsed = contentOf(contactMessage);
  if (!parsed) return [];
  const correlationId = string(body.correlation_id, 'correlation_id', { max: 128 });
  const replyTo = contactMessage.reply_to && typeof contactMessage.reply_to === 'object' ? (contactMessage.reply_to as { message_id?: unknown }).message_id : undefined;
  const metadata: JsonObject = {
    ...(parsed.postback !== undefined ? { postback: parsed.postback } : {}),
    ...(typeof replyTo === 'string' && replyTo !== '' ? { replyTo } : {}),
    ...(typeof message.contact_id === 'string' && message.contact_id !== '' ? { sinchContactId: message.contact_id } : {}),
    ...(typeof message.conversation_id === 'string' && message.conversation_id !== '' ? { sinchConversationId: message.conversation_id } : {}),
  };
  return [
    {
      kind: 'message',
      from,
      content: parsed.content,
      providerMessageId: id,
      ...(correlationId ? { correlationId } : {}),
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
      raw: body as Json,
    },
  ];
}

function contentOf(contactMessage: Record<string, unknown>): { content: Content; postback?: string } | null {
  const field = (name: string) => `message.contact_message.${name}`;
  if (contactMessage.text_message !== undefined) {
    const text = string(object(contactMessage.text_message, field('text_message')).text, field('text_message.text'), { required: true })!;
    return { content: { type: 'text', text } };
  }
  if (contactMessage.media_message !== undefined) {
    const media = object(contactMessage.media_message, field('media_message'));
    const url = httpUrl(media.url, field('media_message.url'));
    const filename = string(media.filename_override, field('media_message.filename_override'), { max: 256 });
    return { content: { type: 'media', url, mimeType: mimeTypeOf(url), ...(filename ? { filename } : {}) } };
  }
  if (contactMessage.media_card_message !== undefined) {
    const media = object(contactMessage.media_card_message, field('media_card_message'));
    const url = httpUrl(media.url, field('media_card_message.url'));
    const caption = string(media.caption, field('media_card_message.caption'));
    return { content: { type: 'media', url, mimeType: mimeTypeOf(url), ...(caption ? { caption } : {}) } };
  }
  if (contactMessage.location_message !== undefined) {
    const location = object(contactMessage.location_message, field('location_message'));
    const coordinates = object(location.coordinates, field('location_message.coordinates'));
    const title = string(location.title, field('location_message.title'), { max: 1024 });
    const label = string(location.label, field('location_message.label'), { max: 1024 });
    return {
      content: {
        type: 'location',
        latitude: coordinate(coordinates.latitude, field('location_message.coordinates.latitude'), 90),
        longitude: coordinate(coordinates.longitude, field('location_message.coordinates.longitude'), 180),
        // Sinch's title names the place; its label, when both are given, says more (the address).
        ...(title || label ? { label: (title ?? label)! } : {}),
        ...(title && label ? { address: label } : {}),
      },
    };
  }
  if (contactMessage.choice_response_message !== undefined) {
    const response = object(contactMessage.choice_response_message, field('choice_response_message'));
    const postback = string(response.postback_data, field('choice_response_message.postback_data'), { required: true, max: 2048 })!;
    // Sinch sends back the postback only (the choice's title is not in the callback).
    return { content: { type: 'text', text: postback }, postback };
  }
  if (contactMessage.fallback_message !== undefined) {
    const fallback = object(contactMessage.fallback_message, field('fallback_message'));
    const raw = string(fallback.raw_message, field('fallback_message.raw_message'));
    return raw ? { content: { type: 'text', text: raw } } : null;
  }
  // A product response or a type Sinch adds later: nothing Roomwire can show.
  return null;
}
