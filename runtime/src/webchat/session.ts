// One connected chat page: the timeline of its binding as one ordered stream. A cursor (the next
// room index to consider) makes the stream exact: history is read from the store from the index
// the page last saw, live notifications continue it, and any gap between them (a notification
// missed or out of order) is filled from the store, so the page gets every event it may see once,
// in index order, across reconnects and restarts.
import { RoomwireError } from '../errors';
import type { Binding, Content, Delivery, DeliveryStatus, RoomEvent } from '../model';
import type { Notification } from '../notify';
import { errorFrame, parseClientFrame, type ClientFrame } from './frames';
import type { ChatSocket } from './socket';
import { CLOSE } from './socket';
import type { ChatClaims, ChatHubContext } from './hub-context';
import { pageEvent, signalVisible, visibleToReader, type PageEvent } from './view';

const HISTORY_PAGE = 200;
/** History frames stay about this size, so one frame never dwarfs the buffered bound. */
const HISTORY_FRAME_BYTES = 64 * 1024;
/** Own events whose delivery status the page is told about (the newest ones). */
const OWN_EVENTS_KEPT = 500;
/** The longest a Node.js timer may wait; a later token expiry is checked again when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** How far each delivery status goes, to tell the page the furthest one of its message. */
const STATUS_RANK: Partial<Record<DeliveryStatus, number>> = { sent: 1, delivered: 2, read: 3 };

/** What the page is shown of a delivery to its own binding when it differs from the event. */
type OwnCopy = { content: Content } | { withdrawn: true };

/**
 * A delivery to this page that a `before_deliver` hook (or the transcoder) changed: the page shows
 * what was delivered, not the event. A delivery a hook blocked shows nothing.
 */
function deliveredCopy(delivery: Delivery): OwnCopy | null {
  if (delivery.status === 'failed' && delivery.error?.code === 'blocked') return { withdrawn: true };
  const parts = delivery.sent?.parts;
  // Several parts are one message split for a narrower channel; a page takes any message whole.
  return parts && parts.length === 1 ? { content: parts[0]! } : null;
}

/** The furthest status any of an own message's deliveries reached (`sent` while none did). */
function furthestStatus(deliveries: Delivery[]): DeliveryStatus {
  let best: DeliveryStatus = 'sent';
  for (const d of deliveries) if ((STATUS_RANK[d.status] ?? 0) > (STATUS_RANK[best] ?? 0)) best = d.status;
  return best;
}

export interface ChatSessionSettings {
  /** Lifetime of a token the page gets by `refresh` (the channel's setting; the operation's default when absent). */
  tokenTtlSeconds?: number;
}

type Phase = 'waiting' | 'catching_up' | 'live' | 'closed';

export class ChatSession {
  private phase: Phase = 'waiting';
  private cursor = 0;
  private pumping = false;
  private pumpAgain = false;
  /** Every frame up to this room index has been handed to the operating system. */
  private flushedIndex = -1;
  private queuedIndex = -1;
  private unflushed = 0;
  private readonly flushWaiters: { index: number; resolve: (taken: boolean) => void }[] = [];
  private readonly ownEvents = new Map<string, number>();
  private readonly helloTimer: NodeJS.Timeout;
  private expiryTimer: NodeJS.Timeout | undefined;
  /** Seconds since the epoch: the socket is closed then unless the page got a fresh token. */
  private expiresAt: number;
  /** The binding's mute as the page was last told (undefined: not told yet). */
  private mutedShown: boolean | undefined;
  /** Until when this page was told it is rate limited (one notice per window). */
  private limitedUntil = 0;

  constructor(
    private readonly hub: ChatHubContext,
    private readonly socket: ChatSocket,
    readonly claims: ChatClaims,
    private readonly settings: ChatSessionSettings = {},
  ) {
    this.helloTimer = setTimeout(() => this.close(CLOSE.noHello, 'no hello'), hub.options.helloTimeoutMs);
    this.helloTimer.unref?.();
    this.expiresAt = claims.expiresAt;
    this.armExpiry();
  }

  get bindingId(): string {
    return this.claims.bindingId;
  }

  get roomId(): string {
    return this.claims.roomId;
  }

  get open(): boolean {
    return this.phase !== 'closed';
  }

  /** A frame from the page. Bad frames get an error frame; nothing the page sends ends the session. */
  receive(data: string): void {
    const wait = this.hub.frames.hit(this.bindingId);
    if (wait > 0) {
      const now = Date.now();
      // One notice per window, so a flood is not answered by a flood.
      if (now >= this.limitedUntil) this.send({ type: 'error', code: 'rate_limited', message: `too many frames; wait ${Math.ceil(wait / 1000)} s` });
      this.limitedUntil = now + wait;
      return;
    }
    let frame: ClientFrame;
    try {
      frame = parseClientFrame(data);
    } catch (error) {
      this.send(errorFrame(error));
      return;
    }
    void this.handle(frame).catch((error: unknown) => {
      if (!(error instanceof RoomwireError)) this.hub.logger.warn(`web chat ${this.bindingId}: ${String(error)}`);
      this.send(errorFrame(error, 'clientId' in frame ? frame.clientId : undefined));
    });
  }

  private async handle(frame: ClientFrame): Promise<void> {
    const engine = this.hub.engine;
    switch (frame.type) {
      case 'hello': {
        if (this.phase !== 'waiting') throw new RoomwireError('conflict', 'the session has already started', 'type');
        clearTimeout(this.helloTimer);
        this.phase = 'catching_up';
        this.cursor = frame.since + 1;
        this.send({ type: 'welcome', roomId: this.roomId, bindingId: this.bindingId, since: frame.since });
        await this.sendReceipts();
        await this.pump();
        return;
      }
      case 'send': {
        const result = await engine.call<{ event: RoomEvent }>('sendChatMessage', {
          bindingId: this.bindingId,
          content: frame.content,
          ...(frame.clientId ? { idempotencyKey: `webchat:${this.bindingId}:${frame.clientId}` } : {}),
        });
        this.acknowledge(result.event, frame.clientId);
        return;
      }
      case 'reply': {
        const result = await engine.call<{ event: RoomEvent }>('sendChatReply', {
          bindingId: this.bindingId,
          eventId: frame.eventId,
          postback: frame.postback,
          ...(frame.clientId ? { idempotencyKey: `webchat:${this.bindingId}:${frame.clientId}` } : {}),
        });
        this.acknowledge(result.event, frame.clientId);
        return;
      }
      case 'typing':
        await engine.call('setTyping', { bindingId: this.bindingId, typing: frame.typing });
        return;
      case 'markRead':
        await engine.call('markRead', { bindingId: this.bindingId, index: frame.index });
        return;
      case 'refresh': {
        const fresh = await engine.call<{ token: string; expiresAt: string }>('issueChatToken', {
          bindingId: this.bindingId,
          ...(this.settings.tokenTtlSeconds ? { ttlSeconds: this.settings.tokenTtlSeconds } : {}),
        });
        this.expiresAt = Date.parse(fresh.expiresAt) / 1000;
        this.armExpiry();
        this.send({ type: 'token', token: fresh.token, expiresAt: fresh.expiresAt });
        return;
      }
    }
  }

  /**
   * A connection lives no longer than the token that opened it: at its expiry the socket closes
   * (`expired`), unless the page asked for a fresh token (`refresh`) while the old one was valid.
   */
  private armExpiry(): void {
    clearTimeout(this.expiryTimer);
    const wait = this.expiresAt * 1000 - Date.now();
    if (wait <= 0) {
      this.close(CLOSE.expired, 'token expired');
      return;
    }
    this.expiryTimer = setTimeout(() => this.armExpiry(), Math.min(wait, MAX_TIMER_MS));
    this.expiryTimer.unref?.();
  }

  private acknowledge(event: RoomEvent, clientId: string | undefined): void {
    this.rememberOwn(event);
    this.send({ type: 'ack', ...(clientId ? { clientId } : {}), eventId: event.id, index: event.index, status: event.status });
  }

  private rememberOwn(event: RoomEvent): void {
    if (this.ownEvents.has(event.id)) return;
    this.ownEvents.set(event.id, event.index);
    if (this.ownEvents.size > OWN_EVENTS_KEPT) this.ownEvents.delete(this.ownEvents.keys().next().value!);
  }

  /** The engine's stream, already narrowed to this session's room by the hub. */
  notify(notification: Notification): void {
    if (this.phase === 'closed' || this.phase === 'waiting') return;
    switch (notification.kind) {
      case 'event':
        this.onEvent(notification.event);
        return;
      case 'delivery': {
        const { delivery } = notification;
        if (delivery.bindingId === this.bindingId) {
          const copy = deliveredCopy(delivery);
          if (copy) this.send({ type: 'content', eventId: delivery.eventId, index: delivery.eventIndex, ...copy });
          return;
        }
        if (!this.ownEvents.has(delivery.eventId)) return;
        this.send({ type: 'status', eventId: delivery.eventId, index: delivery.eventIndex, status: delivery.status });
        return;
      }
      case 'typing':
      case 'read': {
        // A signal is not stored: one that cannot be passed on (the room's participants could not
        // be read) is lost, and the next one says the same.
        this.signal(notification).catch((error: unknown) => this.hub.logger.warn(`web chat ${this.bindingId}: a ${notification.kind} signal was not passed on: ${String(error)}`));
        return;
      }
      case 'resync':
        // Events may have been committed unheard: read the store from the cursor on.
        void this.pump();
        return;
      default:
        return;
    }
  }

  private async signal(notification: Extract<Notification, { kind: 'typing' | 'read' }>): Promise<void> {
    const bindings = await this.hub.bindings(this.roomId);
    const me = bindings.get(this.bindingId);
    const other = bindings.get(notification.bindingId);
    if (!me || !signalVisible(me, other)) return;
    if (notification.kind === 'typing') {
      const name = other!.metadata.displayName;
      this.send({ type: 'typing', bindingId: other!.id, name: typeof name === 'string' ? name : null, typing: notification.typing });
    } else {
      this.send({ type: 'receipt', bindingId: other!.id, index: notification.lastReadIndex });
    }
  }

  /** On hello: how far every participant the page may see has read. */
  private async sendReceipts(): Promise<void> {
    const bindings = await this.hub.bindings(this.roomId);
    const me = bindings.get(this.bindingId);
    if (!me) return;
    this.announceMute(me);
    for (const other of bindings.values()) {
      if (signalVisible(me, other) && other.lastReadIndex >= 0) this.send({ type: 'receipt', bindingId: other.id, index: other.lastReadIndex });
    }
  }

  private onEvent(event: RoomEvent): void {
    if (event.type === 'binding') this.hub.forgetBindings(this.roomId);
    if (this.pumping || this.phase !== 'live') {
      if (event.index >= this.cursor) this.pumpAgain = true;
      return;
    }
    if (event.index < this.cursor) return; // already sent (from history or an earlier gap fill)
    const bindings = event.index === this.cursor ? this.hub.cachedBindings(this.roomId) : undefined;
    if (!bindings) {
      // A gap (the store has everything up to this event), or the room's bindings to read first.
      void this.pump();
      return;
    }
    this.cursor = event.index + 1;
    this.emitLive(event, bindings);
  }

  /** A live event: sent when the binding may see it, else only counted as passed. */
  private emitLive(event: RoomEvent, bindings: ReadonlyMap<string, Binding>): void {
    const me = this.reader(bindings);
    if (!me) return;
    this.announceRoomState(event);
    this.announceMute(me);
    if (visibleToReader(me, event)) {
      if (event.source.bindingId === this.bindingId) this.rememberOwn(event);
      this.send({ type: 'event', event: pageEvent(event, me, bindings) }, event.index);
    } else {
      this.markSkipped(event.index);
    }
    if (me.state === 'left') this.close(CLOSE.gone, 'left the room');
  }

  /**
   * A page of the timeline: what the binding may see, in `history` frames of bounded size, waiting
   * for a slow page to read between frames (a long room never queues more than the bound).
   */
  private async emitHistory(events: RoomEvent[], bindings: ReadonlyMap<string, Binding>): Promise<void> {
    const me = this.reader(bindings);
    if (!me) return;
    this.announceMute(me);
    const deliveries = await this.deliveriesOf(events.filter((e) => e.type === 'message' && visibleToReader(me, e)));
    let batch: PageEvent[] = [];
    let bytes = 0;
    let batchIndex = -1;
    const flush = async () => {
      if (batch.length === 0) return;
      this.send({ type: 'history', events: batch }, batchIndex);
      batch = [];
      bytes = 0;
      await this.drained();
    };
    for (const event of events) {
      if (event.type === 'room') {
        await flush();
        this.announceRoomState(event);
      }
      if (!visibleToReader(me, event)) continue;
      const own = event.source.bindingId === this.bindingId;
      if (own) this.rememberOwn(event);
      const ofEvent = deliveries.get(event.id);
      const copy = own ? null : (ofEvent?.find((d) => d.bindingId === this.bindingId) ?? null);
      const changed = copy && deliveredCopy(copy);
      if (changed && 'withdrawn' in changed) continue;
      const shown = pageEvent(changed ? { ...event, content: changed.content } : event, me, bindings);
      if (own && ofEvent) shown.status = furthestStatus(ofEvent);
      const size = JSON.stringify(shown).length;
      if (bytes + size > HISTORY_FRAME_BYTES) await flush();
      batch.push(shown);
      bytes += size;
      batchIndex = event.index;
    }
    await flush();
    const last = events[events.length - 1];
    if (last) this.markSkipped(last.index);
    if (me.state === 'left') this.close(CLOSE.gone, 'left the room');
  }

  /**
   * The deliveries of history events: an own message's furthest status, and what was delivered
   * to this page when it differs from the event. Read per event, in parallel.
   */
  private async deliveriesOf(events: RoomEvent[]): Promise<Map<string, Delivery[]>> {
    const found = await Promise.all(
      events.map((e) => this.hub.engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId: e.id }).then((r) => [e.id, r.deliveries] as const)),
    );
    return new Map(found);
  }

  /** The page shows whether its participant is muted (its messages then reach nobody). */
  private announceMute(me: Binding): void {
    if (me.muted === this.mutedShown) return;
    this.mutedShown = me.muted;
    this.send({ type: 'muted', muted: me.muted });
  }

  /**
   * Room state changes are internal records, but the page must know when its chat has ended (or
   * was reopened): it is told the state alone, in its place in the stream.
   */
  private announceRoomState(event: RoomEvent): void {
    const state = event.metadata.state;
    if (event.type === 'room' && typeof state === 'string') this.send({ type: 'room', state, index: event.index });
  }

  private reader(bindings: ReadonlyMap<string, Binding>): Binding | undefined {
    const me = bindings.get(this.bindingId);
    if (!me) this.close(CLOSE.gone, 'binding gone');
    return me;
  }

  /**
   * Reads the store from the cursor to the end and sends what the binding may see. Runs alone;
   * events that arrive meanwhile make it read again, so nothing falls between history and live.
   */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        for (;;) {
          if (!this.open) return;
          await this.drained();
          const { events } = await this.hub.engine.call<{ events: RoomEvent[] }>('getTimeline', {
            roomId: this.roomId,
            audit: true,
            fromIndex: this.cursor,
            limit: HISTORY_PAGE,
          });
          if (events.length === 0) break;
          if (events.some((e) => e.type === 'binding')) this.hub.forgetBindings(this.roomId);
          const bindings = await this.hub.bindings(this.roomId);
          this.cursor = events[events.length - 1]!.index + 1;
          await this.emitHistory(events, bindings);
          if (events.length < HISTORY_PAGE) break;
        }
      } while (this.pumpAgain && this.open);
      if (this.phase === 'catching_up') {
        this.phase = 'live';
        this.send({ type: 'ready', index: this.cursor - 1 });
        // Events committed between the last read and going live are in the store: read once more.
        this.pumping = false;
        if (this.pumpAgain) await this.pump();
      }
    } catch (error) {
      if (this.open) {
        this.hub.logger.warn(`web chat ${this.bindingId}: reading the timeline failed: ${String(error)}`);
        this.close(CLOSE.restart, 'timeline unavailable');
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Waits while the page is behind on reading (history of a long room); a page that never catches up is dropped. */
  private async drained(): Promise<void> {
    const { maxBufferedBytes, drainTimeoutMs } = this.hub.options;
    const deadline = Date.now() + drainTimeoutMs;
    while (this.open && this.socket.bufferedAmount > maxBufferedBytes / 2) {
      if (Date.now() > deadline) {
        this.drop();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Resolves true once the event at `index` (and everything before it) was handed to the socket. */
  delivered(index: number): Promise<boolean> {
    if (this.flushedIndex >= index) return Promise.resolve(true);
    if (!this.open) return Promise.resolve(false);
    return new Promise((resolve) => this.flushWaiters.push({ index, resolve }));
  }

  private markSkipped(index: number): void {
    this.queuedIndex = Math.max(this.queuedIndex, index);
    if (this.unflushed === 0) this.flushed(this.queuedIndex);
  }

  private flushed(index: number): void {
    if (index <= this.flushedIndex) return;
    this.flushedIndex = index;
    for (let i = this.flushWaiters.length - 1; i >= 0; i--) {
      const waiter = this.flushWaiters[i]!;
      if (waiter.index <= index) {
        this.flushWaiters.splice(i, 1);
        waiter.resolve(true);
      }
    }
  }

  /**
   * Sends a frame; `index` is the room index it completes. A page that stopped reading is dropped
   * once its queue passes the bound: memory never grows with a reader that does not read.
   */
  send(frame: Record<string, unknown>, index?: number): void {
    if (!this.open) return;
    const data = JSON.stringify(frame);
    const buffered = this.socket.bufferedAmount;
    if (buffered > 0 && buffered + data.length > this.hub.options.maxBufferedBytes) {
      this.drop();
      return;
    }
    if (index !== undefined) this.queuedIndex = Math.max(this.queuedIndex, index);
    const upTo = this.queuedIndex;
    this.unflushed++;
    this.socket.send(data, (error) => {
      this.unflushed--;
      if (!error && this.unflushed === 0) this.flushed(upTo);
      else if (!error && index !== undefined) this.flushed(index);
    });
  }

  private drop(): void {
    this.hub.logger.warn(`web chat ${this.bindingId}: the page stopped reading (${this.socket.bufferedAmount} bytes queued); disconnected, it resumes on reconnect`);
    this.ended();
    this.socket.terminate();
  }

  close(code: number, reason: string): void {
    if (!this.open) return;
    this.ended();
    this.socket.close(code, reason);
  }

  /** The socket is gone (closed by either side). */
  ended(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    clearTimeout(this.helloTimer);
    clearTimeout(this.expiryTimer);
    for (const waiter of this.flushWaiters.splice(0)) waiter.resolve(false);
    this.hub.remove(this);
  }
}
