// `Idempotency-Key` for every mutating REST call, kept in the store (docs/decisions.md,
// "Idempotency keys in the store"): the same key with the same request answers the first answer
// again, after a restart and from any engine on the same PostgreSQL database; with a different
// request it is refused (422); while the first is still running, 409. A key is scoped to the
// token, method and path, and kept 24 hours. A refused or failed request keeps no record, so it
// may be corrected and sent again under its key. Event writes also pass the key to the event's
// own `idempotencyKey`, so a message is never written twice even if the answer was lost.
import { createHash } from 'node:crypto';
import { RoomwireError } from '../errors';
import type { Store } from '../store/store';

export interface StoredAnswer {
  status: number;
  body: unknown;
}

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a claimed key waits for its answer: an engine that stopped mid-request (a crash) must
 * not block its key for a day. Longer than any request runs.
 */
export const IDEMPOTENCY_RUNNING_MS = 5 * 60 * 1000;

/** The same JSON with object keys sorted: a retry that lists the fields in another order is the same request. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
  }
  return value;
}

export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(parts))).digest('hex');
}

export class IdempotencyKeys {
  constructor(
    private readonly store: Pick<Store, 'claimIdempotencyKey' | 'completeIdempotencyKey' | 'releaseIdempotencyKey'>,
    private readonly now: () => number = Date.now,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Runs `work` once per key; a repeat with the same fingerprint gets the stored answer. */
  async run(key: string, print: string, work: () => Promise<StoredAnswer>): Promise<StoredAnswer & { replayed: boolean }> {
    const now = this.now();
    const existing = await this.store.claimIdempotencyKey(key, print, now, now + IDEMPOTENCY_RUNNING_MS);
    if (existing) {
      if (existing.fingerprint !== print) throw new RoomwireError('idempotency_mismatch', 'this Idempotency-Key was used for a different request', 'Idempotency-Key');
      if (!existing.answer) throw new RoomwireError('conflict', 'a request with this Idempotency-Key is still running', 'Idempotency-Key');
      return { ...existing.answer, replayed: true };
    }
    let answer: StoredAnswer;
    try {
      answer = await work();
    } catch (error) {
      await this.store.releaseIdempotencyKey(key);
      throw error;
    }
    // The write is done: its answer goes back even if it cannot be kept (the key then reads as
    // still running until its claim lapses).
    await this.store.completeIdempotencyKey(key, answer, this.now() + IDEMPOTENCY_TTL_MS).catch(this.onError);
    return { ...answer, replayed: false };
  }
}
