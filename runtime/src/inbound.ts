// Provider traffic into the engine: verify the signature before anything else, parse, then route
// each message to a room (DESIGN.md section 3 step 2) and write it through the pipeline.
// Provider retries (same provider message id) return the original event and store nothing.
import { createHash } from 'node:crypto';
import type { EngineParts } from './engine-parts';
import { RoomwireError } from './errors';
import type { Content, RoomEvent } from './model';
import { matchReply, type ReplyOption } from './transcode';
import type { InboundRequest, ParsedInbound, WebhookReply } from './providers/contract';
import type { RegisteredChannel } from './channels';
// Routing uses the sender's identity: pipeline/route.ts.
import { routeInbound } from './pipeline/route';
import { writeEvent, type WriteParts } from './pipeline/write-event';
import { validateContent } from './content-validation';
import { MAX_JSON_DEPTH, checkMetadataSize } from './validation';
import { valueNestsDeeperThan } from './http/nesting';

/** A webhook: its channel, routing (which may make rooms and bindings) and the message write. */
export type InboundParts = WriteParts & Pick<EngineParts, 'channels' | 'mergedIdentities' | 'inflightProviderMessages'>;

export interface InboundResult {
  status: number;
  body: unknown;
  /** What the HTTP answer carries instead of `body` as JSON, when the provider asks for it. */
  reply?: WebhookReply;
}

type InboundMessage = Extract<ParsedInbound, { kind: 'message' }>;

export async function handleInbound(parts: InboundParts, channelId: string, request: InboundRequest): Promise<InboundResult> {
  const registered = parts.channels.get(channelId);
  if (!registered || !registered.provider.parseInbound) {
    throw new RoomwireError('not_found', `no inbound channel ${JSON.stringify(channelId)}`, 'channelId');
  }
  const verified = registered.provider.verifyInbound?.(request);
  const items = await registered.provider.parseInbound(request);
  const accepted: unknown[] = [];
  for (const [position, item] of items.entries()) {
    if (item.kind === 'message') {
      const message = item.providerMessageId || !verified?.replayKey ? item : { ...item, providerMessageId: replayMessageId(verified.replayKey, position) };
      const { event, duplicate } = await receiveMessage(parts, registered, message);
      accepted.push({
        kind: 'message',
        eventId: event.id,
        roomId: event.roomId,
        index: event.index,
        status: event.status,
        ...(event.blockedBy ? { blockedBy: event.blockedBy, blockReason: event.blockReason ?? null } : {}),
        duplicate,
      });
    } else {
      const delivery = await parts.delivery.applyStatus({
        channelId,
        deliveryId: item.deliveryId,
        providerMessageId: item.providerMessageId,
        status: item.status,
        error: item.error,
      });
      if (!delivery) throw new RoomwireError('not_found', 'no delivery matches this status callback', item.deliveryId ? 'deliveryId' : 'messageId');
      accepted.push({ kind: 'status', deliveryId: delivery.id, status: delivery.status });
    }
  }
  const reply = registered.provider.webhookReply?.();
  return { status: 200, body: { accepted }, ...(reply ? { reply } : {}) };
}

/**
 * The provider message id of a signed message that brought none: derived from the request's
 * signature, so a replay of the same signed request is a duplicate, durably and on every instance
 * (the store's unique index on channel and provider message id decides).
 */
function replayMessageId(replayKey: string, position: number): string {
  return `signature:${createHash('sha256').update(replayKey).digest('hex').slice(0, 32)}:${position}`;
}

/** Provider retries are recognised by this pair, in the in-flight map and in the store alike. */
function providerMessageKey(channelId: string, providerMessageId: string): string {
  return `${channelId}\u0000${providerMessageId}`;
}

export async function receiveMessage(
  parts: InboundParts,
  registered: RegisteredChannel,
  message: InboundMessage,
): Promise<{ event: RoomEvent; duplicate: boolean }> {
  const channelId = registered.channel.id;
  // Provider payloads meet the same limits as any write (DESIGN.md section 14: every entry point validates).
  validateContent(message.content);
  checkMetadataSize(message.metadata, 'metadata');
  // The payload is kept as it came (the event's `source.raw`); nesting is bounded like any input.
  if (valueNestsDeeperThan(message.raw)) throw new RoomwireError('invalid_input', `the provider payload is nested deeper than ${MAX_JSON_DEPTH} levels`, 'raw');
  const key = message.providerMessageId ? providerMessageKey(channelId, message.providerMessageId) : null;
  if (key) {
    const inflight = parts.inflightProviderMessages.get(key);
    if (inflight) return { event: await inflight, duplicate: true };
  }
  // One sender's messages on a channel go into their room in the order they arrived. Before its
  // room's queue a message reads the store several times (retry lookup, identity, routing, offered
  // options), and reads complete in any order, so without this section a later message could
  // overtake an earlier one. The section ends once the write is in the room's queue, not when it
  // commits, so a sender's burst still shares group commits.
  const work = parts.serial
    .run(`from:${channelId}\u0000${message.from}`, async () => {
      // Looked up inside the in-flight entry, so retries arriving during the lookup wait for it.
      const stored = key ? await parts.store.findEventByProviderMessageId(channelId, message.providerMessageId!) : null;
      if (stored) return { written: Promise.resolve({ event: stored, duplicate: true }) };
      const { roomId, bindingId } = await routeInbound(parts, registered, message);
      const reply = await matchOfferedOption(parts, bindingId, message.content);
      const written = writeEvent(parts, {
        roomId,
        bindingId,
        reply,
        content: message.content,
        correlationId: message.correlationId,
        metadata: message.metadata,
        provider: { name: registered.provider.name, channelId, messageId: message.providerMessageId, raw: message.raw },
      });
      return { written };
    })
    .then(({ written }) => written);
  if (!key) {
    const result = await work;
    return { event: result.event, duplicate: result.duplicate };
  }
  const eventPromise = work.then((result) => result.event);
  // The first caller reports a failure; without waiting retries nobody else would handle it.
  eventPromise.catch(() => undefined);
  parts.inflightProviderMessages.set(key, eventPromise);
  try {
    const result = await work;
    return { event: result.event, duplicate: result.duplicate };
  } finally {
    if (parts.inflightProviderMessages.get(key) === eventPromise) parts.inflightProviderMessages.delete(key);
  }
}

/**
 * DESIGN.md section 6: on a plain-text channel a numeric ("2") or exact-title answer to the
 * numbered options of the last message this participant received maps back to that option.
 */
async function matchOfferedOption(parts: Pick<EngineParts, 'store'>, bindingId: string, content: Content): Promise<RoomEvent['reply']> {
  if (content.type !== 'text' || typeof content.text !== 'string') return undefined;
  const last = await parts.store.findLatestDeliveryForBinding(bindingId);
  const options = (last?.sent?.options ?? []) as unknown as ReplyOption[];
  const option = options.length > 0 ? matchReply(content.text, options) : null;
  return option && last ? { eventId: last.eventId, number: option.number, title: option.title, postback: option.postback } : undefined;
}
