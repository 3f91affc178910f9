// The Provider contract (DESIGN.md section 1): what every channel carrier implements, built in or
// installed from npm as a `roomwire-provider` plugin.
import type { CapabilitiesOverride } from '../capabilities';
import type { Channel, Content, DeliveryStatus, FallbackPolicy, Json, JsonObject, RoomEvent } from '../model';

export interface OutboundMessage {
  deliveryId: string;
  /** event id + binding id: providers that accept idempotency keys never send twice on a retry. */
  idempotencyKey: string;
  channel: Channel;
  roomId: string;
  event: RoomEvent;
  /** The content as transcoded for this channel. */
  content: Content;
  /** The participant; `fallback` lets a provider with its own channel fallback (Sinch) use it. */
  to: { bindingId: string; address: string; metadata: JsonObject; fallback?: FallbackPolicy | null };
  attempt: number;
  /**
   * The messages already exchanged with this participant in this room, oldest first: what they
   * wrote and what was sent to them, with a provider message id. Read on demand (it costs store
   * reads), so only providers that thread their messages (email) pay for it.
   */
  thread?(): Promise<ThreadEntry[]>;
}

/** One earlier message of a participant's conversation in a room (see `OutboundMessage.thread`). */
export interface ThreadEntry {
  providerMessageId: string;
  /** `inbound`: the participant wrote it; `outbound`: it was delivered to them. */
  direction: 'inbound' | 'outbound';
  /** The event's metadata (an email provider keeps the subject there). */
  metadata: JsonObject;
}

export interface SendResult {
  status: Extract<DeliveryStatus, 'sent' | 'delivered'>;
  providerMessageId?: string | null;
}

/** A send failure; `permanent` failures are not retried (the provider's status mapping decides). */
export class ProviderError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

export interface InboundRequest {
  method: string;
  /** The full public URL the provider called (some signatures cover it). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

export type ParsedInbound =
  | {
      kind: 'message';
      from: string;
      displayName?: string;
      content: Content;
      providerMessageId?: string;
      roomId?: string;
      correlationId?: string;
      metadata?: JsonObject;
      /**
       * Where the provider's own threading places this message, tried before ordinary routing:
       * `replyTo` lists provider message ids it answers, most specific first (an email's
       * In-Reply-To, then its References from the right); `roomId` is a room its destination
       * address names (an email reply address). The first that names an open room wins.
       */
      thread?: { replyTo?: string[]; roomId?: string };
      raw: Json;
    }
  | {
      kind: 'status';
      providerMessageId?: string;
      deliveryId?: string;
      status: DeliveryStatus;
      error?: { code: string; reason: string };
      raw: Json;
    };

/** What a successful signature check proves about one request. */
export interface VerifiedInbound {
  /**
   * A value unique to this signed request (the signature over body and timestamp). Messages that
   * carry no provider message id are deduplicated by it, so a captured request replayed within
   * the signature's time window is stored once.
   */
  replayKey?: string;
}

/** The body of a successful webhook answer, when the provider expects something other than JSON. */
export interface WebhookReply {
  contentType: string;
  body: string;
}

export interface Provider {
  readonly name: string;
  send(message: OutboundMessage): Promise<SendResult>;
  /** Throws a RoomwireError (`unauthorized`) when the request is not signed by the provider's secret. */
  verifyInbound?(request: InboundRequest): VerifiedInbound | void;
  /** Throws a RoomwireError (`invalid_input`, naming the field) for a payload it cannot read. */
  parseInbound?(request: InboundRequest): ParsedInbound[] | Promise<ParsedInbound[]>;
  /** What a successful webhook request is answered with (Twilio wants TwiML); JSON when absent. */
  webhookReply?(): WebhookReply;
  /**
   * What this provider cannot carry on a channel of `channelType` although the type's profile can
   * (a Body limit, no native buttons): merged over the profile, under the channel's own override.
   */
  capabilities?(channelType: string): CapabilitiesOverride | undefined;
  close?(): Promise<void>;
}
