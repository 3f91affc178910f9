// `Idempotency-Key` for every mutating REST call: the same key with the same request answers the
// first answer again; with a different request it is refused (422); while the first is still
// running, 409. Answers are kept in memory (24 hours, the newest 10000): event writes also pass
// the key to the event's own `idempotencyKey`, which the store keeps durably, so a message is
// never written twice even across a restart (docs/decisions.md, "Idempotency keys").
import { createHash } from 'node:crypto';
import { RoomwireError } from '../errors';

export interface StoredAnswer {
  status: number;
  body: unknown;
}

interface Entry {
  fingerprint: string;
  at: number;
  answer?: StoredAnswer;
}

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const MAX_ENTRIES = 10_000;

export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Runs `work` once per key; a repeat with the same fingerprint gets the stored answer. */
  async run(key: string, print: string, work: () => Promise<StoredAnswer>): Promise<StoredAnswer & { replayed: boolean }> {
    const now = this.now();
    const existing = this.entries.get(key);
    if (existing && now - existing.at < IDEMPOTENCY_TTL_MS) {
      if (existing.fingerprint !== print) throw new RoomwireError('idempotency_mismatch', 'this Idempotency-Key was used for a different request', 'Idempotency-Key');
      if (!existing.answer) throw new RoomwireError('conflict', 'a request with this Idempotency-Key is still running', 'Idempotency-Key');
      return { ...existing.answer, replayed: true };
    }
    const entry: Entry = { fingerprint: print, at: now };
    this.entries.set(key, entry);
    this.trim();
    try {
      entry.answer = await work();
      return { ...entry.answer, replayed: false };
    } catch (error) {
      // Only answers are kept: a refused request may be corrected and sent again under its key.
      this.entries.delete(key);
      throw error;
    }
  }

  private trim(): void {
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }
}
