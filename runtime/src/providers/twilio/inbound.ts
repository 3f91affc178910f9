// What Twilio posts to a channel's webhook, in Roomwire's terms: an incoming SMS, MMS or WhatsApp
// message (one event per media item, the text as the first item's caption), or a status callback
// for a message Roomwire sent. Every received field is kept in the event's raw source, including
// fields Twilio adds later. The Message SID is the provider message id: the engine stores a
// repeated one once.
import { RoomwireError } from '../../errors';
import type { Content, JsonObject } from '../../model';
import type { ParsedInbound } from '../contract';
import { field, fieldsAsJson, type FormFields } from './form';
import { mapTwilioStatus } from './status';

/** The query parameter of a StatusCallback URL naming the delivery it reports on. */
export const DELIVERY_ID_PARAM = 'deliveryId';

type InboundMessage = Extract<ParsedInbound, { kind: 'message' }>;

const SID = /^[A-Za-z0-9]{1,64}$/;
/** Twilio accepts up to 10 media items per message, inbound and outbound. */
const MAX_MEDIA = 10;
const MIME_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/;
const DISPLAY_NAME_MAX = 256;

function invalid(name: string, message: string): RoomwireError {
  return new RoomwireError('invalid_input', message, name);
}

function required(fields: FormFields, name: string): string {
  const value = field(fields, name);
  if (value === undefined || value === '') throw invalid(name, 'is required');
  return value;
}

function sid(fields: FormFields, name: string): string {
  const value = required(fields, name);
  if (!SID.test(value)) throw invalid(name, 'is not a Twilio SID');
  return value;
}

/** `url` is the URL Twilio called: a StatusCallback URL names the delivery in its query. */
export function parseTwilioInbound(fields: FormFields, url: string): ParsedInbound[] {
  const messageStatus = field(fields, 'MessageStatus');
  if (messageStatus !== undefined && messageStatus !== 'received' && messageStatus !== 'receiving') {
    return parseStatus(fields, messageStatus, url);
  }
  return parseMessage(fields);
}

function parseStatus(fields: FormFields, messageStatus: string, url: string): ParsedInbound[] {
  const providerMessageId = sid(fields, 'MessageSid');
  const mapped = mapTwilioStatus(messageStatus, field(fields, 'ErrorCode'), field(fields, 'ErrorMessage'));
  if (!mapped) return [];
  const deliveryId = deliveryIdOf(url);
  return [{ kind: 'status', providerMessageId, ...(deliveryId ? { deliveryId } : {}), ...mapped, raw: fieldsAsJson(fields) }];
}

function deliveryIdOf(url: string): string | undefined {
  try {
    const value = new URL(url).searchParams.get(DELIVERY_ID_PARAM);
    return value && value.length <= 128 ? value : undefined;
  } catch {
    return undefined;
  }
}

function parseMessage(fields: FormFields): InboundMessage[] {
  const messageSid = sid(fields, 'MessageSid');
  const from = required(fields, 'From');
  const profileName = field(fields, 'ProfileName')?.trim();
  if (profileName && profileName.length > DISPLAY_NAME_MAX) throw invalid('ProfileName', `longer than ${DISPLAY_NAME_MAX} characters`);
  const body = field(fields, 'Body') ?? '';
  const raw = fieldsAsJson(fields);
  const message = (content: Content, providerMessageId: string, metadata?: JsonObject): InboundMessage => ({
    kind: 'message',
    from,
    ...(profileName ? { displayName: profileName } : {}),
    content,
    providerMessageId,
    ...(metadata ? { metadata } : {}),
    raw,
  });

  const media = mediaOf(fields, body);
  // Each media item is its own event; the first keeps the Message SID, so a retry of the whole
  // webhook is recognised item by item.
  if (media.length > 0) return media.map((content, i) => message(content, i === 0 ? messageSid : `${messageSid}:${i}`));
  const location = locationOf(fields);
  if (location) return [message(location, messageSid)];
  const buttonText = field(fields, 'ButtonText');
  const buttonPayload = field(fields, 'ButtonPayload');
  if (buttonText || buttonPayload) {
    // The engine takes no postback from providers: it travels in the event's metadata.
    return [message({ type: 'text', text: buttonText || buttonPayload! }, messageSid, buttonPayload ? { postback: buttonPayload } : undefined)];
  }
  if (body !== '') return [message({ type: 'text', text: body }, messageSid)];
  // Nothing Roomwire can show (a WhatsApp message type Twilio forwards without content).
  return [];
}

function mediaOf(fields: FormFields, caption: string): Content[] {
  const declared = field(fields, 'NumMedia') ?? '0';
  const count = /^\d{1,2}$/.test(declared) ? Number(declared) : NaN;
  if (!(count <= MAX_MEDIA)) throw invalid('NumMedia', `must be a whole number from 0 to ${MAX_MEDIA}`);
  const items: Content[] = [];
  for (let i = 0; i < count; i++) {
    const url = required(fields, `MediaUrl${i}`);
    if (!/^https?:\/\/\S+$/.test(url)) throw invalid(`MediaUrl${i}`, 'is not an http(s) URL');
    // `image/jpeg; charset=…` names its type before the parameters.
    const mimeType = (field(fields, `MediaContentType${i}`) ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase();
    if (!MIME_TYPE.test(mimeType)) throw invalid(`MediaContentType${i}`, 'is not a MIME type');
    items.push({ type: 'media', url, mimeType, ...(i === 0 && caption !== '' ? { caption } : {}) });
  }
  return items;
}

function locationOf(fields: FormFields): Content | null {
  const latitude = field(fields, 'Latitude');
  const longitude = field(fields, 'Longitude');
  if (latitude === undefined && longitude === undefined) return null;
  const coordinate = (name: string, value: string | undefined, limit: number): number => {
    const number = value === undefined || value.trim() === '' ? NaN : Number(value);
    if (!Number.isFinite(number) || Math.abs(number) > limit) throw invalid(name, `must be a number from -${limit} to ${limit}`);
    return number;
  };
  const label = field(fields, 'Label');
  const address = field(fields, 'Address');
  return {
    type: 'location',
    latitude: coordinate('Latitude', latitude, 90),
    longitude: coordinate('Longitude', longitude, 180),
    ...(label ? { label } : {}),
    ...(address ? { address } : {}),
  };
}
