// DESIGN.md sections 8 and 9: the engine's own durable scheduler. Due times live in the store; one
// in-process timer is armed for the earliest of them, so nobody has to poll. A handler commits
// the timer's deletion in the same transaction as its effect, so a timer fires once even across a
// crash or restart (a crash before that commit fires it again on start; after it, never).
import type { Logger } from '../engine-parts';
import type { Store } from '../store/store';
import type { Timer } from './types';

export type TimerHandler = (timer: Timer) => Promise<void>;

const MAX_DELAY_MS = 2 ** 31 - 1;
const RETRY_AFTER_FAILURE_MS = 5_000;
const BATCH = 500;

export class Scheduler {
  private readonly handlers = new Map<string, TimerHandler>();
  private wake: NodeJS.Timeout | null = null;
  private wakeAt = Number.POSITIVE_INFINITY;
  private running: Promise<number> | null = null;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly clock: () => number,
    private readonly logger: Logger,
  ) {}

  on(kind: string, handler: TimerHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Arms the wake-up for timers already stored (a restart resumes them). */
  async start(): Promise<void> {
    const next = await this.store.nextTimerDueAt();
    if (next !== null) this.noteDue(next);
  }

  /** Called after a commit that stored timers: wake up earlier if one of them is due earlier. */
  noteDue(dueAt: number): void {
    if (this.closed || dueAt >= this.wakeAt) return;
    if (this.wake) clearTimeout(this.wake);
    this.wakeAt = dueAt;
    const delay = Math.max(0, Math.min(dueAt - this.clock(), MAX_DELAY_MS));
    this.wake = setTimeout(() => {
      this.wake = null;
      this.wakeAt = Number.POSITIVE_INFINITY;
      void this.runDue();
    }, delay);
    this.wake.unref();
  }

  /**
   * Fires every timer due on the engine's clock and re-arms for the next one. Tests with a
   * controllable clock call this after moving the clock; in production the armed timer calls it.
   */
  runDue(): Promise<number> {
    if (!this.running) {
      this.running = this.fireDue().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  close(): void {
    this.closed = true;
    if (this.wake) clearTimeout(this.wake);
  }

  private async fireDue(): Promise<number> {
    let fired = 0;
    const failed = new Set<string>();
    for (;;) {
      if (this.closed) return fired;
      const due = (await this.store.listDueTimers(this.clock(), BATCH + failed.size)).filter((t) => !failed.has(t.id));
      for (const timer of due) {
        const handler = this.handlers.get(timer.kind);
        try {
          if (!handler) throw new Error(`no handler for timer kind ${timer.kind}`);
          await handler(timer);
          fired++;
        } catch (error) {
          failed.add(timer.id);
          this.logger.error(`timer ${timer.id} failed, retrying in ${RETRY_AFTER_FAILURE_MS / 1000}s: ${String(error)}`);
        }
      }
      if (due.length < BATCH) break;
    }
    if (failed.size > 0) this.noteDue(this.clock() + RETRY_AFTER_FAILURE_MS);
    const next = await this.store.nextTimerDueAt();
    if (next !== null && !failed.size) this.noteDue(next);
    return fired;
  }
}
