// PostgreSQL for tests: the server named by ROOMWIRE_TEST_POSTGRES_URL (default the local one).
// With CI=true a server that does not answer fails the run; elsewhere the PostgreSQL tests skip,
// saying once how to enable them. Each test file works in a schema of its own, dropped at the end,
// so test files running in parallel never see each other's rows.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore, type PostgresStoreOptions } from '../../runtime/src';
import { connectionConfig } from '../../runtime/src/store/postgres/connection';

export const POSTGRES_URL = process.env.ROOMWIRE_TEST_POSTGRES_URL ?? 'postgres://127.0.0.1:5432/test';

async function answers(): Promise<boolean> {
  const client = new pg.Client({ ...connectionConfig(POSTGRES_URL), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let announced = false;

/** True when the PostgreSQL tests can run; throws under CI when they cannot. */
export async function postgresAvailable(): Promise<boolean> {
  if (await answers()) return true;
  if (process.env.CI === 'true') throw new Error(`PostgreSQL at ${POSTGRES_URL} does not answer, and CI=true requires the PostgreSQL tests to run`);
  if (!announced) {
    announced = true;
    console.log(`PostgreSQL tests skipped: no server at ${POSTGRES_URL} (start one, or set ROOMWIRE_TEST_POSTGRES_URL, to run them)`);
  }
  return false;
}

/** A fresh schema name for one test file. */
export function freshSchema(): string {
  return `rw_${randomBytes(6).toString('hex')}`;
}

export function postgresStore(schema: string, options: Partial<PostgresStoreOptions> = {}): PostgresStore {
  return new PostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 4, ...options });
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client(connectionConfig(POSTGRES_URL));
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Rows of a query in a test schema. */
export async function pgQuery<T extends Record<string, unknown> = Record<string, unknown>>(schema: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client(connectionConfig(POSTGRES_URL, schema));
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
