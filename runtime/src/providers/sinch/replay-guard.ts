// Nonce replay protection for Sinch callbacks. A nonce is remembered for as long as its timestamp
// passes the window check (after that the timestamp refuses the request on its own), so the memory
// is bounded by the callbacks of one window. A second request with a nonce already seen is:
//  - the same signed request again (same signature): a retransmission or a captured replay. It is
//    let through, and the engine stores it once (Sinch's message id is the provider message id;
//    statuses only move forward), so a retry after a failed first answer is never lost;
//  - a different request reusing the nonce: refused (403).
// The memory is per process; across restarts and instances the message-id deduplication in the
// store is what guarantees "stored once" (docs/decisions.md, "Sinch").

export class NonceReplayGuard {
  /** nonce → the signature it came with and when it may be forgotten (ms). */
  private readonly seen = new Map<string, { signature: string; forgetAt: number }>();

  constructor(private readonly windowSeconds: number) {}

  /** Records the nonce; false when it was seen before with another signature. */
  admit(nonce: string, signature: string, timestampSeconds: number, nowMs: number): boolean {
    this.prune(nowMs);
    const known = this.seen.get(nonce);
    if (known) return known.signature === signature;
    this.seen.set(nonce, { signature, forgetAt: (timestampSeconds + this.windowSeconds) * 1000 + 1000 });
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  clear(): void {
    this.seen.clear();
  }

  private prune(nowMs: number): void {
    // Insertion order is roughly timestamp order; stop at the first entry still needed.
    for (const [nonce, entry] of this.seen) {
      if (entry.forgetAt > nowMs) break;
      this.seen.delete(nonce);
    }
  }
}
