// Connection settings for `pg`. A URL without a user name connects as the operating-system user,
// as libpq (psql) does; `pg` alone would look only at $USER, which services often run without.
import { userInfo } from 'node:os';
import type { ClientConfig } from 'pg';

export function connectionConfig(connectionString: string, schema?: string): ClientConfig {
  const url = new URL(connectionString);
  if (!url.username && !process.env.PGUSER && !process.env.USER) url.username = userInfo().username;
  return { connectionString: url.toString(), ...(schema ? { options: `-c search_path=${schema}` } : {}) };
}
