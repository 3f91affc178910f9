// The `api_idempotency` row as both stores read it: the request's fingerprint, and its answer
// once the request that claimed the key has one (status and body are null while it runs).
import type { IdempotencyRecord } from './store';

/** Expired records are deleted at most this often (on a successful claim): not one more write per request. */
export const IDEMPOTENCY_PURGE_INTERVAL_MS = 60_000;

export interface IdempotencyRow {
  fingerprint: string;
  status: number | null;
  body: string | null;
}

export function idempotencyRecord(row: IdempotencyRow): IdempotencyRecord {
  return { fingerprint: row.fingerprint, answer: row.status === null ? null : { status: Number(row.status), body: JSON.parse(row.body ?? 'null') } };
}
