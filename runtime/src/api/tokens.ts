// API tokens (REST and MCP): each has scopes and may act as one binding. Tokens are compared in
// constant time: both sides are hashed to equal-length digests first, and every configured token
// is compared, so neither the length nor the position of a match shows in the timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import { RoomwireError, invalid } from '../errors';

export type Scope = 'read' | 'write' | 'audit';
export const SCOPES: readonly Scope[] = ['read', 'write', 'audit'];

export interface ApiTokenConfig {
  token: string;
  /** One scope or several: `read` reads; `write` reads and writes; `audit` reads and may read blocked events. */
  scope: Scope | Scope[];
  /** Act as this binding: see only what it may see, write as it. */
  binding?: string;
  /** Requests a minute (default 600). */
  ratePerMinute?: number;
  /** A name for logs (never the token itself). */
  name?: string;
}

export interface Principal {
  /** Stable and secret-free: rate limits and idempotency keys are kept per principal. */
  id: string;
  scopes: ReadonlySet<Scope>;
  bindingId?: string;
  ratePerMinute: number;
}

export const DEFAULT_RATE_PER_MINUTE = 600;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Checks a configured token list, naming the entry and field at fault (`apiTokens[2].scope`). */
export function parseApiTokens(value: unknown, field = 'apiTokens'): ApiTokenConfig[] {
  if (value === undefined || value === null || value === '') return [];
  let list = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      throw invalid(field, 'is not valid JSON (a list of {"token", "scope", "binding"?})');
    }
  }
  if (!Array.isArray(list)) throw invalid(field, 'must be a list of {"token", "scope", "binding"?}');
  return list.map((entry: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!entry || typeof entry !== 'object') throw invalid(at, 'must be an object');
    const { token, scope, binding, ratePerMinute, name } = entry as Record<string, unknown>;
    if (typeof token !== 'string' || token.length < 16) throw invalid(`${at}.token`, 'must be a string of at least 16 characters');
    const scopes = Array.isArray(scope) ? scope : [scope];
    if (scopes.length === 0 || !scopes.every((s) => SCOPES.includes(s as Scope))) throw invalid(`${at}.scope`, `must be one or more of ${SCOPES.join(', ')}`);
    if (binding !== undefined && (typeof binding !== 'string' || binding === '')) throw invalid(`${at}.binding`, 'must be a binding id');
    if (ratePerMinute !== undefined && (!Number.isInteger(ratePerMinute) || (ratePerMinute as number) < 1)) throw invalid(`${at}.ratePerMinute`, 'must be a positive integer');
    if (name !== undefined && typeof name !== 'string') throw invalid(`${at}.name`, 'must be a string');
    return { token, scope: scopes as Scope[], binding: binding as string | undefined, ratePerMinute: ratePerMinute as number | undefined, name: name as string | undefined };
  });
}

/**
 * A token's name is who it is: MCP sessions, rate limits and Idempotency-Key scopes are kept per
 * name, so two tokens of one name (a read one and a write one of an app) would share them. An
 * unnamed token is `token-<position>`.
 */
export function checkTokenNames(tokens: ApiTokenConfig[]): void {
  const names = new Map<string, number>();
  tokens.forEach((config, i) => {
    const name = config.name ?? `token-${i + 1}`;
    const first = names.get(name);
    if (first !== undefined) throw invalid(`apiTokens[${i}].name`, `is ${JSON.stringify(name)}, as is the name of apiTokens[${first}]; give each token its own name`);
    names.set(name, i);
  });
}

export class TokenTable {
  private readonly entries: { digest: Buffer; principal: Principal }[];

  constructor(tokens: ApiTokenConfig[]) {
    checkTokenNames(tokens);
    this.entries = tokens.map((config, i) => ({
      digest: digest(config.token),
      principal: {
        id: config.name ?? `token-${i + 1}`,
        scopes: new Set(Array.isArray(config.scope) ? config.scope : [config.scope]),
        bindingId: config.binding,
        ratePerMinute: config.ratePerMinute ?? DEFAULT_RATE_PER_MINUTE,
      },
    }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal of an `Authorization: Bearer <token>` header; 401 without a known token. */
  authenticate(authorization: string | undefined): Principal {
    if (this.entries.length === 0) throw new RoomwireError('unauthorized', 'no token is configured for this engine (REST API and MCP are closed)');
    const given = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    if (!given) throw new RoomwireError('unauthorized', 'send a token as `Authorization: Bearer <token>`');
    const givenDigest = digest(given);
    let found: Principal | undefined;
    for (const entry of this.entries) if (timingSafeEqual(entry.digest, givenDigest)) found ??= entry.principal;
    if (!found) throw new RoomwireError('unauthorized', 'unknown token');
    return found;
  }
}
