// DESIGN.md section 3 steps 4-6: the one choke point every timeline write goes through.
// Inside the room's serial section: room-state gate, idempotency, before_broadcast hooks, the
// write gate, index assignment and the commit hand-off. After the durable commit: notifications,
// the outbox hand-off to the delivery worker and the async hooks.
import type { EngineParts } from '../engine-parts';
import { RoomwireError, notFound } from '../errors';
import { newId } from '../ids';
import type { Binding, Content, EventType, Json, JsonObject, RoomEvent, SideEffect, Visibility } from '../model';
import { runAsyncHooks, runSyncHooks } from '../hooks/run';
import { planTargets, writeGate } from '../permissions';
import { checkMetadataSize } from '../validation';
import type { WriteSet } from '../store/store';
import { buildDeliveries } from '../delivery/outbox';
import { noReceiptTimer } from '../delivery/fallback';
import { validateContent } from '../content-validation';
import type { LoadedRoom } from './room-cache';
import { commitRoomWrites, resumeIfPaused } from './room-writes';

export interface WriteEventInput {
  roomId: string;
  /** Write as this binding (its permissions and visibility apply); omitted = a system write. */
  bindingId?: string;
  type?: EventType;
  content: Content;
  correlationId?: string;
  idempotencyKey?: string;
  metadata?: JsonObject;
  /** Only for writes without a source binding; a binding's writes carry the binding's visibility. */
  visibility?: Visibility;
  /** A staff note: the binding's write is stamped `internal` (DESIGN.md section 4), only for internal-audience bindings. */
  internalNote?: boolean;
  chainDepth?: number;
  /** An inbound plain-text answer matched to an offered option. */
  reply?: RoomEvent['reply'];
  /** Set by inbound provider traffic; `channelId` is the channel the request arrived (and was verified) through. */
  provider?: { name: string; channelId: string; messageId?: string; raw: Json };
}

export interface WriteEventResult {
  event: RoomEvent;
  /** True when an earlier write with the same idempotency key or provider message id was returned. */
  duplicate: boolean;
  /** Events injected by hooks, committed right after this one. */
  injected: RoomEvent[];
  sideEffects: SideEffect[];
  deliveryIds: string[];
}

/**
 * An internal note never widens who sees a binding's writes: a binding visible to all or to staff
 * writes the note for staff; one writing for nobody or for chosen bindings cannot write notes.
 */
function noteVisibility(source: Binding): Visibility {
  if (source.audience !== 'internal') throw new RoomwireError('forbidden', `binding ${source.id} is customer-facing; only internal participants write internal notes`, 'bindingId');
  if (source.visibility !== 'all' && source.visibility !== 'internal') {
    throw new RoomwireError('forbidden', `binding ${source.id} writes with visibility ${JSON.stringify(source.visibility)}; an internal note would widen it`, 'bindingId');
  }
  return 'internal';
}

/** Event types that are sent to other participants; lifecycle records (room, binding...) are not. */
export function isDeliverable(type: EventType): boolean {
  return type === 'message' || type === 'system' || type.startsWith('custom:');
}

export async function writeEvent(parts: EngineParts, input: WriteEventInput): Promise<WriteEventResult> {
  const pending = await parts.serial.run(input.roomId, () => writeInRoom(parts, input));
  if ('duplicateOf' in pending) {
    return { event: pending.duplicateOf, duplicate: true, injected: [], sideEffects: [], deliveryIds: [] };
  }
  await pending.committed;
  return pending.result;
}

type Pending =
  | { duplicateOf: RoomEvent }
  | { committed: Promise<void>; result: WriteEventResult };

async function writeInRoom(parts: EngineParts, input: WriteEventInput): Promise<Pending> {
  const loaded = await parts.cache.load(input.roomId);
  if (!loaded) throw notFound('room', input.roomId, 'roomId');
  const room = loaded.room;
  if (room.state === 'closed' || room.state === 'archived') {
    throw new RoomwireError('room_closed', `room ${room.id} is ${room.state}; it accepts no new events`, 'roomId');
  }

  const source = input.bindingId ? loaded.binding(input.bindingId) : null;
  if (input.bindingId && !source) throw notFound('binding', input.bindingId, 'bindingId');
  if (source?.state === 'left') {
    throw new RoomwireError('forbidden', `binding ${source.id} has left room ${room.id}; attach it again to write`, 'bindingId');
  }
  // A provider write speaks only as a binding of the channel it arrived through: the event's
  // channel is then both what the signature vouched for and the key provider retries are found by.
  if (input.provider && source?.channelId !== input.provider.channelId) {
    throw new RoomwireError('forbidden', `a message that arrived on channel ${input.provider.channelId} cannot be written as binding ${input.bindingId ?? '(none)'}`, 'bindingId');
  }

  if (input.idempotencyKey) {
    const duplicate = await findDuplicate(parts, loaded, input.idempotencyKey);
    if (duplicate) return { duplicateOf: duplicate };
  }

  const now = new Date(parts.clock()).toISOString();
  const writes: WriteSet = { events: [], sideEffects: [], deliveries: [] };
  const direction = input.provider ? 'inbound' : 'outbound';
  if (direction === 'inbound') {
    resumeIfPaused(parts, loaded, writes, now);
    // The customer's message opens (or extends) channel session windows such as WhatsApp's 24 h.
    if (source) {
      const heard = { ...source, lastInboundAt: now };
      loaded.replaceBinding(heard);
      writes.bindings = [heard];
    }
  }

  const chainDepth = input.chainDepth ?? 0;
  let event: RoomEvent = {
    id: newId('evt'),
    roomId: room.id,
    index: -1,
    type: input.type ?? 'message',
    content: input.content,
    source: {
      channelId: source?.channelId ?? null,
      bindingId: source?.id ?? null,
      identityId: source?.identityId ?? null,
      provider: input.provider?.name ?? null,
      providerMessageId: input.provider?.messageId ?? null,
      raw: input.provider?.raw ?? null,
    },
    direction,
    visibility: source ? (input.internalNote ? noteVisibility(source) : source.visibility) : (input.visibility ?? 'all'),
    status: 'committed',
    blockedBy: null,
    correlationId: input.correlationId ?? null,
    idempotencyKey: input.idempotencyKey ?? null,
    chainDepth,
    ...(input.reply ? { reply: input.reply } : {}),
    metadata: input.metadata ?? {},
    createdAt: now,
  };

  const gate = source ? writeGate(source) : null;
  const sideEffects: SideEffect[] = [];
  const injected: RoomEvent[] = [];

  if (chainDepth > parts.maxChainDepth) {
    event = { ...event, status: 'blocked', blockedBy: 'chain_depth' };
  } else {
    const outcome = parts.hooks.hasAny('before_broadcast')
      ? await runSyncHooks(parts.hooks, 'before_broadcast', room, event, source ?? null, gate, validateContent)
      : null;
    if (outcome) {
      for (const failure of outcome.failures) {
        parts.logger.warn(`hook ${failure.hook} failed (${failure.failMode}): ${failure.error}`);
      }
      event = outcome.event;
      if (outcome.blockedBy) event = { ...event, status: 'blocked', blockedBy: outcome.blockedBy, blockReason: outcome.blockReason };
      for (const { hook, task } of outcome.tasks) {
        sideEffects.push(sideEffect(room.id, event.id, 'task', { status: 'open', ...task } as JsonObject, hook, now));
      }
      for (const { hook, observation } of outcome.observations) {
        sideEffects.push(sideEffect(room.id, event.id, 'observation', observation as unknown as JsonObject, hook, now));
      }
      if (Object.keys(outcome.metadataUpdates).length > 0) {
        const metadata = { ...loaded.room.metadata, ...outcome.metadataUpdates };
        checkMetadataSize(metadata, 'metadataUpdates');
        loaded.room = { ...loaded.room, metadata };
      }
      for (const { hook, event: extra } of outcome.inject) {
        injected.push({
          ...event,
          id: newId('evt'),
          type: extra.type ?? 'message',
          content: extra.content,
          source: { channelId: null, bindingId: null, identityId: null, provider: null, providerMessageId: null, raw: null, hook },
          direction: 'outbound',
          visibility: extra.to ?? extra.visibility ?? 'all',
          status: 'committed',
          blockedBy: null,
          idempotencyKey: null,
          metadata: {},
        });
      }
    }
  }
  if (event.status === 'committed' && gate) event = { ...event, status: 'blocked', blockedBy: gate };

  // Commit: indexes are assigned here, in the serial section, so they follow arrival order.
  const lifecycle = [...writes.events!];
  const committedEvents = [event, ...injected].map((e) => ({ ...e, index: ++loaded.room.latestIndex }));
  event = committedEvents[0]!;
  loaded.room = { ...loaded.room, updatedAt: now, ...(isDeliverable(event.type) ? { lastActivityAt: now } : {}) };
  writes.rooms = [loaded.room];
  writes.events!.push(...committedEvents);
  writes.sideEffects!.push(...sideEffects);
  const deliveriesByEvent = committedEvents.map((e) =>
    isDeliverable(e.type) ? buildDeliveries(e, planTargets(e, loaded.bindings), now) : [],
  );
  writes.deliveries!.push(...deliveriesByEvent.flat());
  for (const delivery of writes.deliveries!) {
    const timer = noReceiptTimer(delivery, loaded.binding(delivery.bindingId)?.fallback, parts.clock());
    if (timer) (writes.timers ??= []).push(timer);
  }

  const committed = commitRoomWrites(parts, loaded, writes);
  if (input.idempotencyKey) {
    const original = committed.then(() => event);
    // Only a retry arriving meanwhile awaits this; without one, a failed commit must not surface
    // as an unhandled rejection (the caller gets the error through `committed`).
    original.catch(() => undefined);
    loaded.rememberKey(input.idempotencyKey, original);
  }
  const roomSnapshot = loaded.room;
  const sourceBinding = source ?? null;
  const afterCommit = committed.then(() => {
    for (const e of lifecycle) {
      parts.notifier.emit({ kind: 'event', roomId: room.id, event: e });
      // The only lifecycle record a write carries is the resume of a paused room by inbound traffic.
      if (e.type === 'room') {
        runAsyncHooks(parts.hooks, 'on_room_state', roomSnapshot, { event: e, detail: { change: 'resumed', previous: 'paused', ...e.metadata } }, reportHookError(parts));
      }
    }
    committedEvents.forEach((e, i) => {
      parts.notifier.emit({ kind: 'event', roomId: room.id, event: e });
      parts.delivery.enqueue(e, deliveriesByEvent[i]!);
    });
    for (const effect of sideEffects) {
      parts.notifier.emit({ kind: 'side_effect', roomId: room.id, sideEffect: effect });
      runAsyncHooks(parts.hooks, 'on_side_effect', roomSnapshot, { detail: effect as unknown as JsonObject }, reportHookError(parts));
    }
    for (const e of committedEvents) {
      if (e.status !== 'committed') continue;
      runAsyncHooks(parts.hooks, 'after_broadcast', roomSnapshot, { event: e, sourceBinding: e === event ? sourceBinding : null }, reportHookError(parts));
    }
  });
  return {
    committed: afterCommit,
    result: {
      event,
      duplicate: false,
      injected: committedEvents.slice(1),
      sideEffects,
      deliveryIds: deliveriesByEvent[0]!.map((d) => d.id),
    },
  };
}

/** The earlier event with this key: one still committing in this process, or one in the store. */
async function findDuplicate(parts: EngineParts, loaded: LoadedRoom, key: string): Promise<RoomEvent | null> {
  const recent = loaded.recentKey(key);
  if (recent) return recent;
  return parts.store.findEventByIdempotencyKey(loaded.room.id, key);
}

export function sideEffect(
  roomId: string,
  eventId: string | null,
  kind: SideEffect['kind'],
  data: JsonObject,
  producedBy: string,
  createdAt: string,
): SideEffect {
  return { id: newId('se'), roomId, eventId, kind, data, producedBy, createdAt };
}

export function reportHookError(parts: EngineParts): (hook: string, error: unknown) => void {
  return (hook, error) => parts.logger.warn(`hook ${hook} failed: ${error instanceof Error ? error.message : String(error)}`);
}

