// The agent_sessions table as both stores read it (one row shape, one mapping).
import type { AgentSessionRecord } from './store';

export const AGENT_SESSION_COLUMNS = 'scope, id_hash, user_name, csrf, expires_at';

export interface SessionRow {
  scope: string;
  id_hash: string;
  user_name: string;
  csrf: string;
  /** PostgreSQL returns BIGINT as a string. */
  expires_at: number | string;
}

export function sessionOf(row: SessionRow): AgentSessionRecord {
  return { scope: row.scope, idHash: row.id_hash, user: row.user_name, csrf: row.csrf, expiresAt: Number(row.expires_at) };
}
