// Whether a failed HTTP request can have reached the provider. Providers whose API takes no
// idempotency key (Twilio, Sinch) retry only failures that prove nothing was sent: a request that
// may have been written is never sent twice (docs/decisions.md, "Twilio sends at most once").

/** Failures that happen before a connection exists: the request cannot have reached the API. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** The error codes of a failed `fetch` (its cause, or each error of an AggregateError cause). */
export function errorCodes(error: unknown): string[] {
  const cause = (error as { cause?: unknown })?.cause;
  if (!cause || typeof cause !== 'object') return [];
  const nested = cause instanceof AggregateError ? cause.errors : [cause];
  return nested
    .map((e) => String((e as { code?: unknown })?.code ?? ''))
    .concat(String((cause as { code?: unknown }).code ?? ''))
    .filter(Boolean);
}

/** True when `fetch` failed before any byte of the request could have been written. */
export function neverConnected(error: unknown): boolean {
  const codes = errorCodes(error);
  // A TLS handshake that fails (certificate, protocol) also ends before the request is written.
  return codes.length > 0 && codes.every((code) => NOT_CONNECTED.has(code) || /CERT|TLS|SSL/.test(code));
}
