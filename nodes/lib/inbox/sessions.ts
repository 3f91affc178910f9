// Signed-in agents: an unguessable session id in an HTTP-only cookie, an expiry, and a CSRF token
// the page sends back in a header on every mutating call. Sessions live in the engine's store
// (SQLite or PostgreSQL), so they survive a restart and every instance on the database knows them;
// the store keeps only the SHA-256 of each id, so a copy of the database opens no inbox.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Engine } from '@roomwire/runtime';

export interface AgentSession {
  id: string;
  user: string;
  csrf: string;
  expiresAt: number;
}

export type AgentSessionStore = Engine['agentSessions'];

export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** Longer than any id this module makes: a longer cookie is not worth hashing. */
const MAX_ID_LENGTH = 128;

export class AgentSessions {
  /**
   * `scope` tells apart the inboxes sharing a database (the engine node's path prefix); `store`
   * is asked per call, as the engine may open after the routes are mounted.
   */
  constructor(
    private readonly store: () => Promise<AgentSessionStore>,
    readonly scope: string,
    readonly ttlMs = DEFAULT_SESSION_TTL_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  async create(user: string): Promise<AgentSession> {
    const store = await this.store();
    const now = this.clock();
    await store.deleteExpiredAgentSessions(now);
    const session = { id: token(), user, csrf: token(), expiresAt: now + this.ttlMs };
    await store.putAgentSession({ scope: this.scope, idHash: hashOf(session.id), user, csrf: session.csrf, expiresAt: session.expiresAt });
    return session;
  }

  /** The live session with this id (none once it expired or was signed out). */
  async get(id: string | undefined): Promise<AgentSession | undefined> {
    if (!id || id.length > MAX_ID_LENGTH) return undefined;
    const found = await (await this.store()).getAgentSession(this.scope, hashOf(id), this.clock());
    return found ? { id, user: found.user, csrf: found.csrf, expiresAt: found.expiresAt } : undefined;
  }

  async destroy(id: string): Promise<void> {
    await (await this.store()).deleteAgentSession(this.scope, hashOf(id));
  }
}

function hashOf(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

export function token(): string {
  return randomBytes(32).toString('base64url');
}

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
