// The Twilio provider (Programmable Messaging): SMS, MMS and WhatsApp through one account. Sends
// create a Message with a StatusCallback that names the delivery; inbound messages and status
// callbacks arrive on the channel's webhook, signed with X-Twilio-Signature, and are answered with
// the empty TwiML document Twilio expects.
import { RoomwireError } from '../../errors';
import type { Content } from '../../model';
import {
  ProviderError,
  type InboundRequest,
  type OutboundMessage,
  type ParsedInbound,
  type Provider,
  type SendResult,
  type WebhookReply,
} from '../contract';
import { twilioCapabilities, TWILIO_BODY_MAX } from './capabilities';
import { TwilioClient, type TwilioCredentials } from './client';
import { decodeForm, fieldsFromJson, type FormFields } from './form';
import { DELIVERY_ID_PARAM, parseTwilioInbound } from './inbound';
import { publicRequestUrl, verifyTwilioSignature } from './signature';

export interface TwilioProviderOptions {
  /** `AC…`: the account whose numbers and messages these are. */
  accountSid: string;
  /** Signs every webhook (HMAC_SHA1); also the API password unless an API key is given. */
  authToken?: string;
  /** An API key (`SK…` and its secret) for the REST API instead of the Auth Token. */
  apiKeySid?: string;
  apiKeySecret?: string;
  /** The sender: a number in E.164, or `whatsapp:+…` (the prefix is added on WhatsApp channels). */
  from?: string;
  /** `MG…`: send through a Messaging Service (its sender pool) instead of, or with, `from`. */
  messagingServiceSid?: string;
  /**
   * The public URL of this channel's webhook (the engine's `…/webhook/<channelId>`), given to
   * Twilio as each message's StatusCallback; `{channelId}` is replaced by the channel's id.
   * Without it no status callbacks are requested.
   */
  statusCallbackUrl?: string;
  /**
   * The scheme and host (and any path prefix a proxy strips) Twilio calls, when it is not what
   * the request shows: behind a TLS proxy or a tunnel the signed URL must be rebuilt from it.
   */
  publicBaseUrl?: string;
  /** The secret of a webhook shared key, for webhooks signed with HMAC_SHA256. */
  signingKey?: string;
  /** Default `https://api.twilio.com`. */
  apiBaseUrl?: string;
  /** How long a send waits for Twilio's answer; default 15 s. */
  timeoutMs?: number;
}

/** Twilio reads any 2xx, but an inbound message webhook logs a warning unless it gets TwiML. */
export const EMPTY_TWIML: WebhookReply = { contentType: 'text/xml; charset=utf-8', body: '<?xml version="1.0" encoding="UTF-8"?><Response/>' };

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const API_KEY_SID = /^SK[0-9a-fA-F]{32}$/;
const SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
const CONTENT_SID = /^HX[0-9a-fA-F]{32}$/;

function invalid(field: string, message: string): RoomwireError {
  return new RoomwireError('invalid_input', message, field);
}

function credentialsOf(options: TwilioProviderOptions): TwilioCredentials {
  if (!ACCOUNT_SID.test(options.accountSid ?? '')) throw invalid('accountSid', 'must be an Account SID (AC followed by 32 hex digits)');
  if (options.apiKeySid || options.apiKeySecret) {
    if (!API_KEY_SID.test(options.apiKeySid ?? '')) throw invalid('apiKeySid', 'must be an API key SID (SK followed by 32 hex digits)');
    if (!options.apiKeySecret) throw invalid('apiKeySecret', 'is required with an API key SID');
    return { accountSid: options.accountSid, username: options.apiKeySid!, password: options.apiKeySecret };
  }
  if (!options.authToken) throw invalid('authToken', 'is required (or an API key SID and secret)');
  return { accountSid: options.accountSid, username: options.accountSid, password: options.authToken };
}

function whatsappAddress(address: string): string {
  return /^whatsapp:/i.test(address) ? address : `whatsapp:${address}`;
}

/** Body, MediaUrl or ContentSid for one transcoded content. */
function contentFields(content: Content, channelType: string): Record<string, string | string[] | undefined> {
  switch (content.type) {
    case 'text':
      return { Body: String(content.text) };
    case 'media':
      return { MediaUrl: String(content.url), Body: typeof content.caption === 'string' ? content.caption : undefined };
    case 'template': {
      const name = String(content.name);
      if (!CONTENT_SID.test(name)) {
        throw new ProviderError('invalid_template', `template name ${JSON.stringify(name)} is not a Twilio Content SID (HX followed by 32 hex digits)`, true);
      }
      const parameters = content.parameters;
      const variables = Array.isArray(parameters)
        ? Object.fromEntries(parameters.map((value, i) => [String(i + 1), value]))
        : (parameters ?? undefined);
      const hasVariables = variables !== undefined && typeof variables === 'object' && Object.keys(variables).length > 0;
      return { ContentSid: name, ContentVariables: hasVariables ? JSON.stringify(variables) : undefined };
    }
    default:
      throw new ProviderError('unsupported_content', `Twilio cannot send ${content.type} content on a ${channelType} channel`, true);
  }
}

/** A Body over Twilio's limit would be refused with error 21617 every time: fail it here, clearly. */
function checkBodyLength(body: string | undefined): void {
  if (typeof body === 'string' && body.length > TWILIO_BODY_MAX) {
    throw new ProviderError('body_too_long', `Body is ${body.length} characters; Twilio accepts at most ${TWILIO_BODY_MAX}`, true);
  }
}

/** A JSON body (signed through `bodySHA256`) read as form fields. */
function jsonFields(text: string): FormFields {
  try {
    return fieldsFromJson(JSON.parse(text));
  } catch {
    throw invalid('body', 'the request body is not valid JSON');
  }
}

export function createTwilioProvider(options: TwilioProviderOptions): Provider {
  const credentials = credentialsOf(options);
  if (options.messagingServiceSid && !SERVICE_SID.test(options.messagingServiceSid)) {
    throw invalid('messagingServiceSid', 'must be a Messaging Service SID (MG followed by 32 hex digits)');
  }
  const client = new TwilioClient({ credentials, apiBaseUrl: options.apiBaseUrl, timeoutMs: options.timeoutMs });
  const keys = { authToken: options.authToken, signingKey: options.signingKey };

  function statusCallback(message: OutboundMessage): string | undefined {
    if (!options.statusCallbackUrl) return undefined;
    const url = options.statusCallbackUrl.replace(/\{channelId\}/g, encodeURIComponent(message.channel.id));
    // The delivery id in the signed URL finds the delivery even before Twilio's SID is stored.
    return `${url}${url.includes('?') ? '&' : '?'}${DELIVERY_ID_PARAM}=${encodeURIComponent(message.deliveryId)}`;
  }

  return {
    name: 'twilio',

    capabilities: twilioCapabilities,

    async send(message: OutboundMessage): Promise<SendResult> {
      if (!options.from && !options.messagingServiceSid) {
        throw new ProviderError('not_configured', 'the Twilio channel has neither a From number nor a Messaging Service SID', true);
      }
      const whatsapp = message.channel.type === 'whatsapp';
      const fields: Record<string, string | string[] | undefined> = {
        To: whatsapp ? whatsappAddress(message.to.address) : message.to.address,
        From: options.from ? (whatsapp ? whatsappAddress(options.from) : options.from) : undefined,
        MessagingServiceSid: options.messagingServiceSid,
        ...contentFields(message.content, message.channel.type),
        StatusCallback: statusCallback(message),
      };
      checkBodyLength(fields.Body as string | undefined);
      const created = await client.createMessage(fields);
      return { status: 'sent', providerMessageId: created.sid };
    },

    // Every message carries its Message SID, so no replay key is needed for deduplication.
    verifyInbound(request: InboundRequest): void {
      verifyTwilioSignature(request, keys, options.publicBaseUrl);
    },

    parseInbound(request: InboundRequest): ParsedInbound[] {
      const url = publicRequestUrl(request.url, options.publicBaseUrl);
      const text = request.rawBody.toString('utf8');
      const fields = /json/i.test(String(request.headers['content-type'] ?? '')) ? jsonFields(text) : decodeForm(text);
      return parseTwilioInbound(fields, url);
    },

    webhookReply: () => EMPTY_TWIML,
  };
}
