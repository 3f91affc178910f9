// The times of the change feed's log (`change_payloads`): how late a row may commit, how long it is
// kept, and what a listener that was away can still learn from it. Pruning deletes the oldest rows
// first (by `created_at`).

/** How long a transaction may take from writing its log row to committing, and still be caught up. */
export const CATCH_UP_WINDOW_MS = 60_000;
/** A row of the log is deleted once it is this old (postgres-store.ts prunes every few minutes). */
export const LOG_RETENTION_MS = 60 * 60_000;
/** Slack for the clocks of the pruning engine and this one, and for a prune running late or early. */
const CLOCK_MARGIN_MS = 5 * 60_000;

export interface CatchUpPoint {
  /** How long the listener was away (its own clock: from losing the connection to listening again). */
  awayMs: number;
  /** Whether the newest log row the listener received (or read at start) has left the log (false: it heard none). */
  newestHeardGone: boolean;
}

/**
 * Whether rows the listener never received may have left the log, so that catching up from it
 * cannot be trusted. Ids cannot tell: bigserial has holes (rolled-back transactions), so a missing
 * id is no evidence. Two facts can:
 * - pruning deletes oldest first, so while the newest row the listener heard is still logged,
 *   every row written after it is too; once it is gone, anything after it may be gone as well
 *   (an engine that heard nothing for longer than the retention also resyncs: the log cannot
 *   tell it otherwise, and a resync only costs reloads);
 * - a row written up to a catch-up window before the connection was lost may still be unheard
 *   (its transaction was in flight) and was written before that newest row; it is safe only
 *   while the time away, plus that window and a margin, stays within the retention.
 */
export function mayHaveMissedRows(point: CatchUpPoint): boolean {
  if (point.newestHeardGone) return true;
  return point.awayMs + CATCH_UP_WINDOW_MS + CLOCK_MARGIN_MS >= LOG_RETENTION_MS;
}
