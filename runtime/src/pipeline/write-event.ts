// DESIGN.md section 3: the one choke point every timeline write goes through, one function per
// step. Step 1 (validate) is the operation's compiled schema (operations/define.ts) and content
// validation; steps 2 and 3 (route, identity) are route.ts for provider traffic, which names the
// room and binding this function writes as. Here, inside the room's serial section (step 4, the
// in-process fast path): `admit` (the room-state gate), `findDuplicate` (idempotency),
// `runBeforeBroadcast` (chain depth and the sync hooks), `applyWriteGate`; then `commitDraft`
// (step 5: indexes assigned, the write set handed to the group commit). The store applies the
// room's expected latest index as a compare-and-set; a write that lost the race to another engine
// (or followed a failed commit) is retried from the top. Once durable, `afterCommit` (step 6):
// notifications, the outbox hand-off to the delivery worker and the async hooks.
import type { EngineParts } from '../engine-parts';
import { RoomwireError, notFound } from '../errors';
import { newId } from '../ids';
import type { Binding, Content, EventType, Json, JsonObject, RoomEvent, SideEffect, Visibility } from '../model';
import { runAsyncHooks, runSyncHooks } from '../hooks/run';
import { planTargets, writeGate } from '../permissions';
import type { Delivery } from '../model';
import type { WriteSet } from '../store/store';
import { buildDeliveries } from '../delivery/outbox';
import { noReceiptTimer } from '../delivery/fallback-timer';
import { validateContent } from '../content-validation';
import type { LoadedRoom } from './room-cache';
import { commitRoomWrites, type CommitParts } from './room-writes';
import { isConflict, retryRefusedWrites } from './write-retry';
import { resumeIfPaused } from './resume';
import { reportHookError, sideEffect } from './records';

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

/**
 * What each step uses of the engine, so a step's signature says what it can touch: the serial
 * section's steps read the room and the store; commit hands off to the store; after the commit
 * come the notifications, the delivery worker and the async hooks.
 */
type DraftParts = Pick<EngineParts, 'clock' | 'logger'>;
type GateParts = Pick<EngineParts, 'hooks' | 'logger' | 'maxChainDepth'>;
type AnnounceParts = Pick<EngineParts, 'notifier' | 'delivery' | 'hooks' | 'logger'>;
type SerialSectionParts = Pick<EngineParts, 'cache' | 'store'> & DraftParts & GateParts & CommitParts & AnnounceParts;
export type WriteParts = SerialSectionParts & Pick<EngineParts, 'serial'>;

export function writeEvent(parts: WriteParts, input: WriteEventInput): Promise<WriteEventResult> {
  // Any conflict starts the write over, not only the store's: a retry looks for the duplicate that an
  // idempotency key or provider message id collided with, and answers with it.
  return retryRefusedWrites((retrying) => parts.serial.run(input.roomId, () => serialSection(parts, input, retrying)).then(outcome), isConflict);
}

function outcome(pending: Pending): WriteEventResult | Promise<WriteEventResult> {
  if ('duplicateOf' in pending) return { event: pending.duplicateOf, duplicate: true, injected: [], sideEffects: [], deliveryIds: [] };
  return pending.committed;
}

/** An earlier write this one repeats, or the result once this one is durable and announced. */
type Pending = { duplicateOf: RoomEvent } | { committed: Promise<WriteEventResult> };

/** What the steps of the serial section decide about one write. */
interface Draft {
  loaded: LoadedRoom;
  source: Binding | null;
  event: RoomEvent;
  injected: RoomEvent[];
  sideEffects: SideEffect[];
  writes: WriteSet;
  now: string;
}

/** Step 4, one write at a time per room; ends by handing the write set to the commit. */
async function serialSection(parts: SerialSectionParts, input: WriteEventInput, retrying: boolean): Promise<Pending> {
  const loaded = await parts.cache.load(input.roomId);
  if (!loaded) throw notFound('room', input.roomId, 'roomId');
  const source = admit(loaded, input);
  const duplicate = await findDuplicate(parts, loaded, input, retrying);
  if (duplicate) return { duplicateOf: duplicate };
  const draft = draftEvent(parts, loaded, source, input);
  try {
    await runBeforeBroadcast(parts, draft);
    applyWriteGate(draft);
    return commitDraft(parts, draft, input);
  } catch (error) {
    // The draft already changed the cached room (a paused room resumed, its next index taken) for
    // a write that is not going to the store; kept, the next write would leave a gap in the index
    // where the resume was. The next write reads the room again.
    parts.cache.invalidate(loaded.room.id);
    throw error;
  }
}

/** The room-state gate and the source binding's right to write here. */
function admit(loaded: LoadedRoom, input: WriteEventInput): Binding | null {
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
  return source ?? null;
}

/**
 * Idempotency: the earlier event with this key (one still committing in this process, or one in
 * the store). A provider message id was looked up before routing; a retry looks again, since the
 * unique constraint that refused the first try may have been another engine storing it.
 */
async function findDuplicate(parts: Pick<EngineParts, 'store'>, loaded: LoadedRoom, input: WriteEventInput, retrying: boolean): Promise<RoomEvent | null> {
  if (input.idempotencyKey) {
    const earlier = (await loaded.recentKey(input.idempotencyKey)) ?? (await parts.store.findEventByIdempotencyKey(loaded.room.id, input.idempotencyKey));
    if (earlier) return sameAuthor(earlier, input);
  }
  if (retrying && input.provider?.messageId) {
    return parts.store.findEventByProviderMessageId(input.provider.channelId, input.provider.messageId);
  }
  return null;
}

/**
 * A key is unique per room, and the event it names is the answer only for the one who wrote it:
 * another participant reusing the key (by chance, or to probe) would otherwise be handed an event
 * it may not see, an internal note for instance, and its own message would be dropped unseen.
 */
function sameAuthor(earlier: RoomEvent, input: WriteEventInput): RoomEvent {
  if ((earlier.source.bindingId ?? null) === (input.bindingId ?? null)) return earlier;
  throw new RoomwireError('idempotency_mismatch', 'this idempotency key was used in this room by another writer; use a key of your own', 'idempotencyKey');
}

/** The event as written; inbound traffic also resumes a paused room and marks its binding heard. */
function draftEvent(parts: DraftParts, loaded: LoadedRoom, source: Binding | null, input: WriteEventInput): Draft {
  const now = new Date(parts.clock()).toISOString();
  const writes: WriteSet = { events: [], sideEffects: [], deliveries: [] };
  const direction = input.provider ? 'inbound' : 'outbound';
  // Built before the cached room changes below: a refused write (an internal note it may not write) changes nothing.
  const event: RoomEvent = {
    id: newId('evt'),
    roomId: loaded.room.id,
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
    chainDepth: input.chainDepth ?? 0,
    ...(input.reply ? { reply: input.reply } : {}),
    metadata: input.metadata ?? {},
    createdAt: now,
  };
  if (direction === 'inbound') {
    resumeIfPaused(parts, loaded, writes, now);
    // The customer's message opens (or extends) channel session windows such as WhatsApp's 24 h.
    if (source) {
      const heard = { ...source, lastInboundAt: now };
      loaded.replaceBinding(heard);
      writes.bindings = [heard];
    }
  }
  return { loaded, source, event, injected: [], sideEffects: [], writes, now };
}

/** Chain depth, then the `before_broadcast` sync hooks (DESIGN.md section 7). */
async function runBeforeBroadcast(parts: GateParts, draft: Draft): Promise<void> {
  const { loaded, source, now } = draft;
  const room = loaded.room;
  if (draft.event.chainDepth > parts.maxChainDepth) {
    draft.event = { ...draft.event, status: 'blocked', blockedBy: 'chain_depth' };
    return;
  }
  if (!parts.hooks.hasAny('before_broadcast')) return;
  const outcome = await runSyncHooks(parts.hooks, 'before_broadcast', room, draft.event, source, source ? writeGate(source) : null, validateContent);
  for (const failure of outcome.failures) {
    parts.logger.warn(`hook ${failure.hook} failed (${failure.failMode}): ${failure.error}`);
  }
  // The hooks were handed the draft, and may keep what they returned: what is committed is a copy
  // of its own, so setting its index at commit changes nothing a hook holds.
  const event: RoomEvent = outcome.blockedBy
    ? { ...outcome.event, status: 'blocked', blockedBy: outcome.blockedBy, blockReason: outcome.blockReason }
    : { ...outcome.event };
  draft.event = event;
  for (const { hook, task } of outcome.tasks) {
    draft.sideEffects.push(sideEffect(room.id, event.id, 'task', { status: 'open', ...task } as JsonObject, hook, now));
  }
  for (const { hook, observation } of outcome.observations) {
    draft.sideEffects.push(sideEffect(room.id, event.id, 'observation', observation as unknown as JsonObject, hook, now));
  }
  if (Object.keys(outcome.metadataUpdates).length > 0) {
    loaded.room = { ...loaded.room, metadata: { ...loaded.room.metadata, ...outcome.metadataUpdates } };
  }
  for (const { hook, event: extra } of outcome.inject) {
    draft.injected.push({
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

/** The write gate: a muted or read-only source is stored `blocked`. */
function applyWriteGate(draft: Draft): void {
  const gate = draft.source ? writeGate(draft.source) : null;
  if (draft.event.status === 'committed' && gate) draft.event = { ...draft.event, status: 'blocked', blockedBy: gate };
}

/**
 * Commit: indexes are assigned here, in the serial section, so they follow arrival order; the
 * event, its side effects, its outbox rows and their fallback timers go in one write set.
 */
function commitDraft(parts: CommitParts & DraftParts & AnnounceParts, draft: Draft, input: WriteEventInput): Pending {
  const { loaded, writes, now, sideEffects } = draft;
  const lifecycle = [...writes.events!];
  const committedEvents = draft.injected.length === 0 ? [draft.event] : [draft.event, ...draft.injected];
  // The drafts are this write's own objects, never one a hook holds (see runBeforeBroadcast):
  // their index is set in place (a spread copy of every event cost more than the rest of this step).
  for (const e of committedEvents) e.index = ++loaded.room.latestIndex;
  const event = committedEvents[0]!;
  // Changed in place, as its index and version are: the row handed to the store below is the
  // copy that stays as of this write.
  loaded.room.updatedAt = now;
  if (isDeliverable(event.type)) loaded.room.lastActivityAt = now;
  writes.events!.push(...committedEvents);
  writes.sideEffects!.push(...sideEffects);
  const deliveriesByEvent = committedEvents.map((e) => (isDeliverable(e.type) ? buildDeliveries(e, planTargets(e, loaded.bindings), now) : []));
  writes.deliveries!.push(...deliveriesByEvent.flat());
  for (const delivery of writes.deliveries!) {
    const timer = noReceiptTimer(delivery, loaded.binding(delivery.bindingId)?.fallback, parts.clock());
    if (timer) (writes.timers ??= []).push(timer);
  }

  const committed = commitRoomWrites(parts, loaded, writes);
  const room = writes.rooms![0]!;
  if (input.idempotencyKey) {
    const original = committed.then(() => event);
    // Only a retry arriving meanwhile awaits this; without one, a failed commit must not surface
    // as an unhandled rejection (the caller gets the error through `committed`).
    original.catch(() => undefined);
    loaded.rememberKey(input.idempotencyKey, original);
  }
  const announced = { room, source: draft.source, lifecycle, events: committedEvents, deliveriesByEvent, sideEffects };
  const result: WriteEventResult = { event, duplicate: false, injected: committedEvents.slice(1), sideEffects, deliveryIds: deliveriesByEvent[0]!.map((d) => d.id) };
  return {
    committed: committed.then(() => {
      afterCommit(parts, announced);
      return result;
    }),
  };
}

/** Step 6, once durable: notifications, the outbox hand-off to the delivery worker, async hooks. */
function afterCommit(
  parts: AnnounceParts,
  done: { room: LoadedRoom['room']; source: Binding | null; lifecycle: RoomEvent[]; events: RoomEvent[]; deliveriesByEvent: Delivery[][]; sideEffects: SideEffect[] },
): void {
  const { room } = done;
  for (const e of done.lifecycle) {
    parts.notifier.emit({ kind: 'event', roomId: room.id, event: e });
    // The only lifecycle record a write carries is the resume of a paused room by inbound traffic.
    if (e.type === 'room') {
      runAsyncHooks(parts.hooks, 'on_room_state', room, { event: e, detail: { change: 'resumed', previous: 'paused', ...e.metadata } }, reportHookError(parts));
    }
  }
  done.events.forEach((e, i) => {
    parts.notifier.emit({ kind: 'event', roomId: room.id, event: e });
    parts.delivery.enqueue(e, done.deliveriesByEvent[i]!);
  });
  for (const effect of done.sideEffects) {
    parts.notifier.emit({ kind: 'side_effect', roomId: room.id, sideEffect: effect });
    runAsyncHooks(parts.hooks, 'on_side_effect', room, { detail: effect as unknown as JsonObject }, reportHookError(parts));
  }
  for (const e of done.events) {
    if (e.status !== 'committed') continue;
    runAsyncHooks(parts.hooks, 'after_broadcast', room, { event: e, sourceBinding: e === done.events[0] ? done.source : null }, reportHookError(parts));
  }
}
