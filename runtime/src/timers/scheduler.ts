// DESIGN.md sections 8 and 9: the engine's own durable scheduler. Due times live in the store; one
// in-process timer is armed for the earliest of them. Due timers are claimed with a lease, so of
// several engines on one database one fires each; a handler commits the timer's firing in the
// same transaction as its effect (refused if the timer was fired or re-armed elsewhere), so a
// timer fires once even across a crash (a crash before that commit fires it again once the
// lease lapses; after it, never). Timers committed by other engines arrive through the change
// feed (`noteDue`) and, as a safety net, by reading the next due time every `pollMs`.
import type { Logger } from '../engine-parts';
import type { Leases } from '../store/leases';
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
  private poll: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Pick<Store, 'claimDueTimers' | 'nextTimerDueAt'>,
    private readonly clock: () => number,
    private readonly logger: Logger,
    private readonly leases: Leases,
  ) {}

  on(kind: string, handler: TimerHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Arms the wake-up for timers already stored (a restart resumes them); `pollMs`: see above. */
  async start(pollMs?: number): Promise<void> {
    await this.rescan();
    if (pollMs) {
      this.poll = setInterval(() => void this.rescan().catch((error) => this.logger.warn(`reading the next timer failed: ${String(error)}`)), pollMs);
      this.poll.unref();
    }
  }

  /** Reads the next due time from the store: timers other engines stored may be due earlier. */
  async rescan(): Promise<void> {
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
      // The store can fail to claim (a lost connection, a schema another instance migrated): the
      // timers stay due, so try again later rather than leave a rejection nobody handles.
      this.runDue().catch((error: unknown) => {
        this.logger.error(`claiming due timers failed, retrying in ${RETRY_AFTER_FAILURE_MS / 1000}s: ${String(error)}`);
        this.noteDue(this.clock() + RETRY_AFTER_FAILURE_MS);
      });
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
    if (this.poll) clearInterval(this.poll);
  }

  private async fireDue(): Promise<number> {
    let fired = 0;
    const failed = new Set<string>();
    for (;;) {
      if (this.closed) return fired;
      const due = (await this.store.claimDueTimers(this.clock(), this.leases.next(), BATCH + failed.size)).filter((t) => !failed.has(t.id));
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
