// The generic HTTP webhook channel: inbound JSON posted to the engine's webhook endpoint, outbound
// as a signed JSON POST to a configured URL. Signature: `X-Roomwire-Signature: sha256=<hex>` where
// hex = HMAC-SHA256(secret, `${X-Roomwire-Timestamp}.${rawBody}`); the timestamp (Unix seconds)
// must be within five minutes, so a captured request cannot be replayed later.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { contentSchema } from '../content';
import { RoomwireError } from '../errors';
import type { Content, Json, JsonObject } from '../model';
import { compileValidator } from '../validation';
import { HttpPostError, JsonPoster, type PostResult } from './http-post';
import { ProviderError, type InboundRequest, type VerifiedInbound, type OutboundMessage, type ParsedInbound, type Provider, type SendResult } from './contract';

export const SIGNATURE_HEADER = 'x-roomwire-signature';
export const TIMESTAMP_HEADER = 'x-roomwire-timestamp';
const MAX_CLOCK_SKEW_SECONDS = 300;

export interface WebhookProviderOptions {
  /** Where deliveries go; `{address}` and `{roomId}` are replaced (URL-encoded). */
  outboundUrl?: string;
  /** HMAC secret for both directions; without it inbound requests are accepted unsigned. */
  secret?: string;
  timeoutMs?: number;
  clock?: () => number;
}

export function signWebhookBody(secret: string, timestampSeconds: number, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestampSeconds}.`);
  mac.update(rawBody);
  return `sha256=${mac.digest('hex')}`;
}

const statusValues = ['sent', 'delivered', 'read', 'failed', 'undelivered'];

const validateInbound = compileValidator<WebhookInbound>({
  type: 'object',
  properties: {
    type: { enum: ['message', 'status'] },
    from: { type: 'string', minLength: 1, maxLength: 256 },
    displayName: { type: 'string', maxLength: 256 },
    text: { type: 'string', minLength: 1, maxLength: 32768 },
    content: contentSchema,
    id: { type: 'string', minLength: 1, maxLength: 256 },
    roomId: { type: 'string', minLength: 1, maxLength: 128 },
    correlationId: { type: 'string', maxLength: 128 },
    metadata: { type: 'object' },
    deliveryId: { type: 'string', minLength: 1, maxLength: 128 },
    messageId: { type: 'string', minLength: 1, maxLength: 256 },
    status: { enum: statusValues },
    error: {
      type: 'object',
      properties: { code: { type: 'string', maxLength: 128 }, reason: { type: 'string', maxLength: 1024 } },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
  if: { properties: { type: { const: 'status' } }, required: ['type'] },
  then: { required: ['status'], anyOf: [{ required: ['deliveryId'] }, { required: ['messageId'] }] },
  else: { required: ['from'], oneOf: [{ required: ['text'] }, { required: ['content'] }] },
});

interface WebhookInbound {
  type?: 'message' | 'status';
  from?: string;
  displayName?: string;
  text?: string;
  content?: Content;
  id?: string;
  roomId?: string;
  correlationId?: string;
  metadata?: JsonObject;
  deliveryId?: string;
  messageId?: string;
  status?: 'sent' | 'delivered' | 'read' | 'failed' | 'undelivered';
  error?: { code?: string; reason?: string };
}

function header(request: InboundRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function createWebhookProvider(options: WebhookProviderOptions): Provider {
  const clock = options.clock ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const poster = new JsonPoster();

  return {
    name: 'webhook',

    async send(message: OutboundMessage): Promise<SendResult> {
      if (!options.outboundUrl) throw new ProviderError('no_outbound_url', 'the channel has no outbound URL configured', true);
      const url = options.outboundUrl
        .replace(/\{address\}/g, encodeURIComponent(message.to.address))
        .replace(/\{roomId\}/g, encodeURIComponent(message.roomId));
      const body = JSON.stringify({
        deliveryId: message.deliveryId,
        eventId: message.event.id,
        roomId: message.roomId,
        index: message.event.index,
        to: message.to.address,
        type: message.event.type,
        content: message.content,
        correlationId: message.event.correlationId,
        createdAt: message.event.createdAt,
      });
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'idempotency-key': message.idempotencyKey,
        'user-agent': 'roomwire-webhook/1',
      };
      if (options.secret) {
        const timestamp = Math.floor(clock() / 1000);
        headers[TIMESTAMP_HEADER] = String(timestamp);
        headers[SIGNATURE_HEADER] = signWebhookBody(options.secret, timestamp, body);
      }
      let response: PostResult;
      try {
        response = await poster.post(url, body, headers, timeoutMs);
      } catch (error) {
        const kind = error instanceof HttpPostError ? error.kind : 'network';
        throw new ProviderError(kind, `POST ${url} failed: ${(error as Error).message}`, false);
      }
      if (response.status >= 200 && response.status < 300) return { status: 'delivered', providerMessageId: providerIdFrom(response.body) };
      // 408 and 429 say "try again later"; any other 4xx will fail the same way every time.
      const transient = response.status >= 500 || response.status === 408 || response.status === 429;
      throw new ProviderError(`http_${response.status}`, `POST ${url} answered HTTP ${response.status}`, !transient);
    },

    async close(): Promise<void> {
      poster.close();
    },

    verifyInbound(request: InboundRequest): VerifiedInbound {
      if (!options.secret) return {};
      const signature = header(request, SIGNATURE_HEADER);
      const timestamp = header(request, TIMESTAMP_HEADER);
      if (!signature || !timestamp) {
        throw new RoomwireError('unauthorized', `missing ${SIGNATURE_HEADER} or ${TIMESTAMP_HEADER} header`);
      }
      const seconds = Number(timestamp);
      if (!Number.isInteger(seconds) || Math.abs(clock() / 1000 - seconds) > MAX_CLOCK_SKEW_SECONDS) {
        throw new RoomwireError('forbidden', `${TIMESTAMP_HEADER} is outside the allowed five-minute window`);
      }
      const expected = Buffer.from(signWebhookBody(options.secret, seconds, request.rawBody));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
        throw new RoomwireError('forbidden', `${SIGNATURE_HEADER} does not match the request body`);
      }
      return { replayKey: signature };
    },

    parseInbound(request: InboundRequest): ParsedInbound[] {
      let body: unknown;
      try {
        body = JSON.parse(request.rawBody.toString('utf8'));
      } catch {
        throw new RoomwireError('invalid_input', 'the request body is not valid JSON', 'body');
      }
      const input = validateInbound(body);
      const raw = body as Json;
      if (input.type === 'status') {
        return [
          {
            kind: 'status',
            deliveryId: input.deliveryId,
            providerMessageId: input.messageId,
            status: input.status!,
            error: input.error ? { code: input.error.code ?? 'error', reason: input.error.reason ?? '' } : undefined,
            raw,
          },
        ];
      }
      return [
        {
          kind: 'message',
          from: input.from!,
          displayName: input.displayName,
          content: input.content ?? { type: 'text', text: input.text! },
          providerMessageId: input.id,
          roomId: input.roomId,
          correlationId: input.correlationId,
          metadata: input.metadata,
          raw,
        },
      ];
    },
  };
}

function providerIdFrom(responseText: string): string | null {
  try {
    const parsed = JSON.parse(responseText) as { id?: unknown };
    return typeof parsed.id === 'string' && parsed.id.length <= 256 ? parsed.id : null;
  } catch {
    return null;
  }
}
