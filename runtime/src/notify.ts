// The engine's outward stream: committed events, side effects, delivery changes, room and binding
// changes. Node-RED `room in` nodes, the REST API and tests subscribe here; a listener that throws
// never disturbs the pipeline or other listeners.
import type { Delivery, RoomEvent, SideEffect } from './model';

export type Notification =
  | { kind: 'event'; roomId: string; event: RoomEvent }
  | { kind: 'side_effect'; roomId: string; sideEffect: SideEffect }
  | { kind: 'delivery'; roomId: string; delivery: Delivery; event: Pick<RoomEvent, 'id' | 'correlationId' | 'index'> }
  | {
      kind: 'fallback';
      roomId: string;
      eventId: string;
      /** The delivery that failed or got no receipt, the reason, and the step number (1 = first fallback). */
      from: Delivery;
      reason: string;
      step: number;
      /** The delivery on the next channel, or null when the policy had no channel left. */
      to: Delivery | null;
    }
  /** A participant started or stopped typing: a signal, never stored (web chat, the inbox). */
  | { kind: 'typing'; roomId: string; bindingId: string; typing: boolean }
  /** A binding's read horizon moved forward: the other side shows it as a read receipt. */
  | { kind: 'read'; roomId: string; bindingId: string; lastReadIndex: number }
  /**
   * Another engine's changes were lost to this one (its change feed was away `awayMs`, longer than
   * the log keeps them): notifications of any room may be missing. Not about one room; a
   * subscriber that can, reads the store again (web chat and agent inbox pages re-read what they show).
   */
  | { kind: 'resync'; awayMs: number };

export type Listener = (notification: Notification) => void;

export class Notifier {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(notification: Notification): void {
    for (const listener of this.listeners) {
      try {
        listener(notification);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
