// When a change-feed listener that was away can trust the log to catch up, and when it must resync.
import { describe, expect, it } from 'vitest';
import { CATCH_UP_WINDOW_MS, LOG_RETENTION_MS, mayHaveMissedRows } from '../../runtime/src/store/postgres/change-log-times';

describe('a listener back from being away', () => {
  it('catches up from the log while the newest row it heard is still there and it was away well within the retention', () => {
    expect(mayHaveMissedRows({ awayMs: 2_000, newestHeardGone: false })).toBe(false);
    expect(mayHaveMissedRows({ awayMs: 30 * 60_000, newestHeardGone: false })).toBe(false);
  });

  it('resyncs once the newest row it heard has left the log, however short the time away (rows after it may be gone too)', () => {
    expect(mayHaveMissedRows({ awayMs: 2_000, newestHeardGone: true })).toBe(true);
  });

  it('resyncs when the time away, plus the window a transaction may still be in flight, nears the retention', () => {
    expect(mayHaveMissedRows({ awayMs: LOG_RETENTION_MS, newestHeardGone: false })).toBe(true);
    expect(mayHaveMissedRows({ awayMs: LOG_RETENTION_MS - CATCH_UP_WINDOW_MS, newestHeardGone: false })).toBe(true);
  });
});
