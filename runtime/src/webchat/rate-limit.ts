// A fixed-window counter per key (a client address): at most `limit` hits per window. Memory is
// bounded: at most `maxKeys` keys are tracked; when full, expired windows are swept first and
// then the oldest key makes room.
export class RateLimiter {
  private readonly windows = new Map<string, { startedAt: number; hits: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts a hit; returns 0 when allowed, else the milliseconds until the key may try again. */
  hit(key: string): number {
    const now = this.clock();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.windowMs) {
      if (window) this.windows.delete(key);
      this.makeRoom(now);
      window = { startedAt: now, hits: 0 };
      this.windows.set(key, window);
    }
    if (window.hits >= this.limit) return window.startedAt + this.windowMs - now;
    window.hits++;
    return 0;
  }

  private makeRoom(now: number): void {
    if (this.windows.size < this.maxKeys) return;
    for (const [key, window] of this.windows) if (now - window.startedAt >= this.windowMs) this.windows.delete(key);
    if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
  }
}
