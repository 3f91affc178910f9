// Signed-in agents: an unguessable session id in an HTTP-only cookie, an expiry, and a CSRF token
// the page sends back in a header on every mutating call. Sessions live in memory: a restart signs
// everyone out, which is the safe direction.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface AgentSession {
  id: string;
  user: string;
  csrf: string;
  expiresAt: number;
}

export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;

export class AgentSessions {
  private readonly sessions = new Map<string, AgentSession>();

  constructor(
    readonly ttlMs = DEFAULT_SESSION_TTL_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  create(user: string): AgentSession {
    this.sweep();
    const session = { id: token(), user, csrf: token(), expiresAt: this.clock() + this.ttlMs };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id; an expired one is forgotten. */
  get(id: string | undefined): AgentSession | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.clock()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(): void {
    const now = this.clock();
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
    // Bounded: the oldest sessions go first when sign-ins pile up.
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
  }
}

export function token(): string {
  return randomBytes(32).toString('base64url');
}

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
