// Per-principal token buckets: `ratePerMinute` requests a minute, bursts up to the same number.
import { RoomwireError } from '../errors';
import type { Principal } from './tokens';

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one request from the principal's bucket, or throws 429 saying when to retry (seconds). */
  take(principal: Principal): void {
    if (principal.ratePerMinute === Infinity) return; // the older single token: never limited
    const now = this.now();
    const capacity = principal.ratePerMinute;
    const bucket = this.buckets.get(principal.id) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 60_000) * capacity);
    bucket.at = now;
    this.buckets.set(principal.id, bucket);
    if (bucket.tokens < 1) {
      const retryAfter = Math.ceil(((1 - bucket.tokens) * 60) / capacity);
      throw Object.assign(new RoomwireError('rate_limited', `more than ${capacity} requests a minute; retry in ${retryAfter} s`), { retryAfter });
    }
    bucket.tokens -= 1;
  }
}
