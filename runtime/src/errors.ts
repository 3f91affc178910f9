// One error type for every surface: `code` maps to an HTTP status, `field` names the offending
// input path (`content.buttons[3].title`) so a caller can fix the request without guessing.

export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'unauthorized'
  | 'room_closed'
  | 'payload_too_large'
  | 'method_not_allowed'
  | 'idempotency_mismatch'
  | 'rate_limited'
  | 'internal';

const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  room_closed: 409,
  payload_too_large: 413,
  method_not_allowed: 405,
  idempotency_mismatch: 422,
  rate_limited: 429,
  internal: 500,
};

/**
 * Marks every RoomwireError, whichever copy of this module made it: a provider package with its
 * own copy of the runtime, or the runtime's sources next to its build, throws errors that are
 * RoomwireErrors too (answered with their status, not as internal errors).
 */
const BRAND = Symbol.for('@roomwire/runtime.RoomwireError');

export class RoomwireError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'RoomwireError';
    this.code = code;
    this.field = field;
  }

  /** By the brand for RoomwireError itself; its subclasses keep the ordinary prototype check. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== RoomwireError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  toJSON(): { error: { code: ErrorCode; message: string; field?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}

/**
 * The store refused a write set as a whole (another writer changed or holds its room, or a unique
 * constraint decided against it). Nothing of it is stored, so the same step may run again from a
 * fresh load; a caller that gives up sees an ordinary 409 `conflict`.
 */
export class WriteConflict extends RoomwireError {
  constructor(message: string) {
    super('conflict', message);
    this.name = 'WriteConflict';
  }
}

export function invalid(field: string, message: string): RoomwireError {
  return new RoomwireError('invalid_input', message, field);
}

export function notFound(what: string, id: string, field?: string): RoomwireError {
  return new RoomwireError('not_found', `${what} ${JSON.stringify(id)} does not exist`, field);
}
