// The Sinch Conversation API provider: one Roomwire channel (SMS, WhatsApp, RCS, ...) of a Sinch
// app. Sends call messages:send with the channel's identity of the recipient, the event's
// correlation id and `message_metadata` naming the delivery; callbacks (MESSAGE_INBOUND,
// MESSAGE_DELIVERY) arrive on the channel's webhook, signed, and are verified before parsing.
import { RoomwireError } from '../../errors';
import type { InboundRequest, OutboundMessage, ParsedInbound, Provider, SendResult, VerifiedInbound } from '../contract';
import { sinchCapabilities } from './capabilities';
import { SINCH_CHANNELS, sinchChannelFor } from './channels';
import { encodeSendMetadata, isSinchId, parseSinchBody, parseSinchCallback } from './inbound';
import { sinchMessages } from './outbound';
import type { NonceReplayGuard } from './replay-guard';
import { SINCH_NONCE_HEADER, verifySinchSignature } from './signature';
import type { SinchClient } from './client';
import type { SinchContactNames } from './contacts';

/** What a channel's provider uses of its Sinch account (`SinchAccount`). */
export interface SinchApp {
  readonly appId: string;
  readonly webhookSecret: string | undefined;
  readonly windowSeconds: number;
  readonly clock: () => number;
  readonly client: SinchClient;
  readonly replayGuard: NonceReplayGuard;
  /** Contacts' display names, when the account looks them up. */
  readonly contacts: SinchContactNames | null;
  addChannel(channelId: string, sinchChannel: string): void;
  removeChannel(channelId: string): void;
  sinchChannelOf(channelId: string): string | undefined;
}

export interface SinchChannelOptions {
  /** The Roomwire channel this provider serves (its webhook, its deliveries). */
  channelId: string;
  /** The Roomwire channel type (`sms`, `whatsapp`, ...). */
  channelType: string;
  /** The Sinch channel, when it is not the one named like the type (`VIBERBM` on a `viber` channel). */
  sinchChannel?: string;
}

/** Sinch accepts a correlation id of at most 128 characters. */
const CORRELATION_MAX = 128;
/** The longest display name an identity takes. */
const DISPLAY_NAME_MAX = 256;
/** Sends cut short after some of their messages went out, remembered so a retry skips those. */
const PARTIAL_SENDS_MAX = 10_000;

function resolveSinchChannel(options: SinchChannelOptions): string {
  const named = options.sinchChannel?.trim().toUpperCase() || sinchChannelFor(options.channelType);
  if (!named) throw new RoomwireError('invalid_input', `a ${options.channelType} channel has no Sinch channel of that name: set sinchChannel`, 'sinchChannel');
  if (!SINCH_CHANNELS.includes(named)) throw new RoomwireError('invalid_input', `must be one of ${SINCH_CHANNELS.join(', ')}`, 'sinchChannel');
  return named;
}

/** Each message from a contact, with the contact's display name when Sinch gives one in time. */
async function withContactNames(contacts: SinchContactNames, parsed: ParsedInbound[]): Promise<ParsedInbound[]> {
  return Promise.all(
    parsed.map(async (item) => {
      const contactId = item.kind === 'message' ? item.metadata?.sinchContactId : undefined;
      if (item.kind !== 'message' || !isSinchId(contactId)) return item;
      const name = await contacts.displayName(contactId);
      return name ? { ...item, displayName: name.slice(0, DISPLAY_NAME_MAX) } : item;
    }),
  );
}

export function createSinchChannelProvider(account: SinchApp, options: SinchChannelOptions): Provider {
  if (!options.channelId) throw new RoomwireError('invalid_input', 'is required', 'channelId');
  const sinchChannel = resolveSinchChannel(options);
  account.addChannel(options.channelId, sinchChannel);
  /**
   * idempotency key → Sinch message ids already sent, for content that goes out as several
   * messages (a text before a card): a retry after a later message failed sends only the rest.
   */
  const partialSends = new Map<string, (string | null)[]>();

  /** WHATSAPP then SMS... when the binding's fallback names channels of this same Sinch app. */
  function priorityOrder(message: OutboundMessage): string[] | undefined {
    const fallback = message.to.fallback?.channels ?? [];
    const order = [sinchChannel];
    for (const channelId of fallback) {
      const next = account.sinchChannelOf(channelId);
      if (next && !order.includes(next)) order.push(next);
    }
    return order.length > 1 ? order : undefined;
  }

  function remember(key: string, sent: (string | null)[]): void {
    partialSends.delete(key);
    if (partialSends.size >= PARTIAL_SENDS_MAX) partialSends.delete(partialSends.keys().next().value!);
    partialSends.set(key, sent);
  }

  return {
    name: 'sinch',

    capabilities: sinchCapabilities,

    async send(message: OutboundMessage): Promise<SendResult> {
      const order = priorityOrder(message);
      const channels = order ?? [sinchChannel];
      const correlationId = message.event.correlationId;
      const base = {
        app_id: account.appId,
        recipient: { identified_by: { channel_identities: channels.map((channel) => ({ channel, identity: message.to.address })) } },
        ...(order ? { channel_priority_order: order } : {}),
        message_metadata: encodeSendMetadata({ deliveryId: message.deliveryId, channelId: message.channel.id }),
        ...(correlationId && correlationId.length <= CORRELATION_MAX ? { correlation_id: correlationId } : {}),
      };
      const appMessages = sinchMessages(message.content, message.channel.type);
      const sent = partialSends.get(message.idempotencyKey) ?? [];
      for (const appMessage of appMessages.slice(sent.length)) {
        try {
          sent.push((await account.client.send({ ...base, message: appMessage })).messageId);
        } catch (error) {
          if (sent.length > 0) remember(message.idempotencyKey, sent);
          throw error;
        }
      }
      partialSends.delete(message.idempotencyKey);
      return { status: 'sent', providerMessageId: sent.at(-1) ?? null };
    },

    verifyInbound(request: InboundRequest): VerifiedInbound {
      const now = account.clock();
      const verified = verifySinchSignature(request, account.webhookSecret ?? '', now, account.windowSeconds);
      if (!account.replayGuard.admit(verified.nonce, verified.signature, verified.timestampSeconds, now)) {
        throw new RoomwireError('forbidden', `${SINCH_NONCE_HEADER} was already used by another callback`);
      }
      return { replayKey: verified.signature };
    },

    parseInbound(request: InboundRequest): ParsedInbound[] | Promise<ParsedInbound[]> {
      const parsed = parseSinchCallback(parseSinchBody(request.rawBody), options.channelId, sinchChannel);
      return account.contacts ? withContactNames(account.contacts, parsed) : parsed;
    },

    async close(): Promise<void> {
      partialSends.clear();
      account.removeChannel(options.channelId);
    },
  };
}

