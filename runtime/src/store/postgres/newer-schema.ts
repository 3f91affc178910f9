// Another instance can migrate the shared schema while this one runs (a rolling upgrade, or one
// instance upgraded ahead of the others). From then on every transaction and claim of this one
// fails, naming both versions, instead of writing rows the newer schema does not expect; reads go
// on. Claims and lease renewals stop too, so the deliveries this instance holds lapse to an
// instance that can record what it sends.
import type { ClientBase, Pool, QueryResult } from 'pg';
import { refuseUnknownMigrations } from '../schema-version';
import { PG_MIGRATIONS } from './migrations';

const NEWEST_APPLIED = 'SELECT max(version) AS newest FROM schema_migrations';

type Newest = QueryResult<{ newest: number | null }>;

/** BEGIN, and the check in the same round trip (a simple query may hold several statements). */
export async function beginOnKnownSchema(db: ClientBase, database: string): Promise<void> {
  const [, newest] = (await db.query(`BEGIN; ${NEWEST_APPLIED}`)) as unknown as [QueryResult, Newest];
  try {
    refuseUnknownMigrations(database, [newest.rows[0]!.newest], PG_MIGRATIONS);
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
}

export async function refuseNewerSchema(db: Pool | ClientBase, database: string): Promise<void> {
  const newest: Newest = await db.query(NEWEST_APPLIED);
  refuseUnknownMigrations(database, [newest.rows[0]!.newest], PG_MIGRATIONS);
}
