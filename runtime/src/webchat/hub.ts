// The web chat pages connected to one engine: admits a connection by its token, keeps the
// sessions by room and by binding, and fans the engine's stream out to the sessions of each room
// (one subscription for all pages, not one per page). The webchat provider asks it whether a
// page took a delivery. The engine makes one with itself and closes it with itself.
//
// With several engines on one database the delivery is sent by the engine holding its lease,
// whose hub may have no page of that binding while another engine's hub has one: that page gets
// the event through the change feed. The hub holding the page then records `delivered` itself
// when the `sent` status arrives and its page took the event, as the provider would have.
import type { Engine } from '../engine';
import type { Logger } from '../engine-parts';
import type { Binding, Delivery } from '../model';
import type { Notification } from '../notify';
import type { ChatClaims, ChatHubContext, ChatHubOptions } from './hub-context';
import { RateLimiter } from './rate-limit';
import { ChatSession, type ChatSessionSettings } from './session';
import { CLOSE, type ChatSocket } from './socket';

export type { ChatHubOptions } from './hub-context';

/** Records that a page took a delivery (moves it to `delivered` if it has not gone further). */
export type RecordDelivered = (delivery: Delivery) => Promise<unknown>;

const DEFAULTS: ChatHubOptions = {
  maxBufferedBytes: 1024 * 1024,
  drainTimeoutMs: 30_000,
  helloTimeoutMs: 10_000,
  maxFramesPerWindow: 100,
  frameWindowMs: 10_000,
  maxPagesPerBinding: 10,
  deliveryWaitMs: 5_000,
};

export class ChatHub implements ChatHubContext {
  readonly options: ChatHubOptions;
  readonly frames: RateLimiter;
  private readonly byRoom = new Map<string, Set<ChatSession>>();
  private readonly byBinding = new Map<string, Set<ChatSession>>();
  private readonly roomBindings = new Map<string, Promise<ReadonlyMap<string, Binding>>>();
  private readonly loadedBindings = new Map<string, Map<string, Binding>>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    readonly engine: Engine,
    readonly logger: Logger,
    private readonly recordDelivered: RecordDelivered,
    options: Partial<ChatHubOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.frames = new RateLimiter(this.options.maxFramesPerWindow, this.options.frameWindowMs);
  }

  /** The token's claims, or a RoomwireError (401 forged or expired, 403 binding gone or left). */
  async admit(token: string): Promise<ChatClaims> {
    const claims = await this.engine.call<{ bindingId: string; roomId: string; channelId: string; expiresAt: string }>('redeemChatToken', { token });
    return { ...claims, expiresAt: Date.parse(claims.expiresAt) / 1000 };
  }

  /**
   * Whether another page of this binding may connect now. A token opens any number of sockets;
   * without a bound, one chat could hold a server's memory and file handles.
   */
  roomForPage(bindingId: string): boolean {
    return (this.byBinding.get(bindingId)?.size ?? 0) < this.options.maxPagesPerBinding;
  }

  /** A socket whose token was admitted: a session that waits for the page's hello. */
  connect(socket: ChatSocket, claims: ChatClaims, settings: ChatSessionSettings = {}): ChatSession {
    const session = new ChatSession(this, socket, claims, settings);
    add(this.byRoom, claims.roomId, session);
    add(this.byBinding, claims.bindingId, session);
    this.unsubscribe ??= this.engine.subscribe((notification) => this.dispatch(notification));
    return session;
  }

  private dispatch(notification: Notification): void {
    if (notification.kind === 'resync') {
      // Any room may have changed unheard: its bindings are read again, and every page re-reads its timeline.
      this.loadedBindings.clear();
      this.roomBindings.clear();
      for (const sessions of this.byRoom.values()) for (const session of sessions) session.notify(notification);
      return;
    }
    const sessions = this.byRoom.get(notification.roomId);
    if (!sessions) return;
    if (notification.kind === 'read') {
      // Keep the cached room current without a read: only the horizon moved.
      const loaded = this.loadedBindings.get(notification.roomId);
      const binding = loaded?.get(notification.bindingId);
      if (loaded && binding) loaded.set(binding.id, { ...binding, lastReadIndex: notification.lastReadIndex });
    }
    for (const session of sessions) session.notify(notification);
    if (notification.kind === 'delivery' && notification.delivery.status === 'sent') void this.confirm(notification.delivery);
  }

  /** A delivery sent without a page of this hub: recorded `delivered` once a page here takes it. */
  private async confirm(delivery: Delivery): Promise<void> {
    if (!this.byBinding.has(delivery.bindingId)) return;
    try {
      if (await this.deliver(delivery.bindingId, delivery.eventIndex)) await this.recordDelivered(delivery);
    } catch (error) {
      this.logger.warn(`web chat ${delivery.bindingId}: recording delivery ${delivery.id} as delivered failed: ${String(error)}`);
    }
  }

  /** Whether a connected page of `bindingId` took the event at `index` (false: none is connected, or none took it in time). */
  async deliver(bindingId: string, index: number): Promise<boolean> {
    const sessions = [...(this.byBinding.get(bindingId) ?? [])].filter((s) => s.open);
    if (sessions.length === 0) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.options.deliveryWaitMs);
    });
    const anyTaken = new Promise<boolean>((resolve) => {
      let pending = sessions.length;
      for (const session of sessions) {
        void session.delivered(index).then((taken) => {
          if (taken) resolve(true);
          else if (--pending === 0) resolve(false);
        });
      }
    });
    try {
      return await Promise.race([anyTaken, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  bindings(roomId: string): Promise<ReadonlyMap<string, Binding>> {
    let cached = this.roomBindings.get(roomId);
    if (!cached) {
      cached = this.engine
        .call<{ bindings: Binding[] }>('getRoom', { roomId })
        .then(({ bindings }) => {
          const byId = new Map(bindings.map((b) => [b.id, b]));
          if (this.roomBindings.get(roomId) === cached) this.loadedBindings.set(roomId, byId);
          return byId;
        });
      // A failed read is not kept: the next caller tries again.
      cached.catch(() => this.roomBindings.get(roomId) === cached && this.forgetBindings(roomId));
      this.roomBindings.set(roomId, cached);
    }
    return cached;
  }

  cachedBindings(roomId: string): ReadonlyMap<string, Binding> | undefined {
    return this.loadedBindings.get(roomId);
  }

  forgetBindings(roomId: string): void {
    this.roomBindings.delete(roomId);
    this.loadedBindings.delete(roomId);
  }

  remove(session: ChatSession): void {
    drop(this.byRoom, session.roomId, session);
    drop(this.byBinding, session.bindingId, session);
    if (!this.byRoom.has(session.roomId)) this.forgetBindings(session.roomId);
  }

  /** Pages connected now (all, or of one channel). */
  count(channelId?: string): number {
    let n = 0;
    for (const sessions of this.byBinding.values()) for (const s of sessions) if (!channelId || s.claims.channelId === channelId) n++;
    return n;
  }

  /** Closes the pages of a channel (redeployed or removed): they reconnect and resume. */
  closeChannel(channelId: string): void {
    for (const sessions of [...this.byBinding.values()]) {
      for (const session of [...sessions]) if (session.claims.channelId === channelId) session.close(CLOSE.restart, 'channel restarting');
    }
  }

  close(): void {
    for (const sessions of [...this.byBinding.values()]) for (const session of [...sessions]) session.close(CLOSE.restart, 'server restarting');
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}

function add(map: Map<string, Set<ChatSession>>, key: string, session: ChatSession): void {
  const set = map.get(key);
  if (set) set.add(session);
  else map.set(key, new Set([session]));
}

function drop(map: Map<string, Set<ChatSession>>, key: string, session: ChatSession): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(session);
  if (set.size === 0) map.delete(key);
}
