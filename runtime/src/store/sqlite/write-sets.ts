// How a group of write sets becomes SQLite SQL: one multi-row upsert per table for all of them, so
// a transaction of 2,000 write sets costs tens of statements, not thousands. What is written is
// said once for both stores in ../write-plan.ts.
import type { Identity } from '../../model';
import type { WriteSet } from '../store';
import type { Database } from './database';
import { TABLES, identityAddressRows, netTimerChanges, rowsOf, type TableSpec } from '../write-plan';
import type { Lease } from '../store';
import type { BatchTarget } from '../group-commit';
import type { StoredState } from '../write-plan';

/**
 * Rows per statement, largest first. `sqlite3` starts a statement's next run only once this thread
 * has taken the previous run's result, so while the main thread is busy SQLite's thread waits
 * between chunks: fewer, larger chunks keep it writing (a 4,000-row table is 2 runs, not 16).
 */
const CHUNK_SIZES = [2048, 256, 32, 4, 1];
/** SQLite's limit on a statement's parameters (SQLITE_MAX_VARIABLE_NUMBER, 32,766 since 3.32). */
const MAX_PARAMETERS = 32_766;

/**
 * A chunk's SQL, built once per table and row count: a 256-row upsert is tens of kilobytes of
 * text, and the same string object is what the statement caches look up (its hash is kept).
 */
function sqlPerChunk(build: (spec: TableSpec, rows: number) => string): (spec: TableSpec, rows: number) => string {
  // By spec, not table name: new deliveries and their status changes are two specs of one table.
  const built = new Map<TableSpec, Map<number, string>>();
  return (spec, rows) => {
    let sizes = built.get(spec);
    if (sizes === undefined) built.set(spec, (sizes = new Map()));
    let sql = sizes.get(rows);
    if (sql === undefined) sizes.set(rows, (sql = build(spec, rows)));
    return sql;
  };
}

const upsertSql = sqlPerChunk((spec, rows) => {
  const tuple = `(${spec.columns.map(() => '?').join(', ')})`;
  return `INSERT INTO ${spec.table} (${spec.columns.join(', ')}) VALUES ${Array(rows).fill(tuple).join(', ')}
    ON CONFLICT(id) DO UPDATE SET ${spec.update.map((c) => `${c} = excluded.${c}`).join(', ')}${spec.updateWhere ? ` WHERE ${spec.updateWhere}` : ''}`;
});

/** Changes stored rows only; the new values go by the upsert's name (`excluded`), so one condition serves both. */
const updateSql = sqlPerChunk((spec, rows) => {
  const tuple = `(${spec.columns.map(() => '?').join(', ')})`;
  return `WITH excluded(${spec.columns.join(', ')}) AS (VALUES ${Array(rows).fill(tuple).join(', ')})
    UPDATE ${spec.table} SET ${spec.update.map((c) => `${c} = excluded.${c}`).join(', ')}
    FROM excluded WHERE ${spec.table}.id = excluded.id${spec.updateWhere ? ` AND (${spec.updateWhere})` : ''}`;
});

const CLEAR_IDENTITY_ADDRESSES = `DELETE FROM identity_addresses WHERE identity_id IN (SELECT value FROM json_each(?))`;
const ADDRESS_SPEC: TableSpec = {
  key: 'identities',
  table: 'identity_addresses',
  columns: ['channel_type', 'address', 'identity_id'],
  values: (row: unknown[]) => row,
  update: [],
};
const DELETE_HOOKS = `DELETE FROM hooks WHERE id IN (SELECT value FROM json_each(?))`;
const DELETE_TIMERS = `DELETE FROM timers WHERE id IN (SELECT value FROM json_each(?))`;

/** Writes the rows of these write sets (inside a transaction the caller owns), in write-set order. */
export async function writeSets(db: Database, sets: WriteSet[]): Promise<void> {
  const timers = netTimerChanges(sets);
  const lease = sets.find((set) => set.lease)?.lease;
  for (const spec of TABLES) {
    const rows = rowsOf(spec, sets, timers);
    if (rows.length === 0) continue;
    if (spec.key === 'identities') await db.run(CLEAR_IDENTITY_ADDRESSES, [JSON.stringify(rows.map((r) => r.id))]);
    await writeRows(db, spec, rows, lease, spec.updateOnly ? updateSql : upsertSql);
    // Insert, never take over: an address another identity owns fails this write set.
    if (spec.key === 'identities') await writeRows(db, ADDRESS_SPEC, identityAddressRows(rows as Identity[]), undefined, insertSql);
  }
  const deletedHooks = sets.flatMap((set) => set.deletedHookIds ?? []);
  if (deletedHooks.length > 0) await db.run(DELETE_HOOKS, [JSON.stringify(deletedHooks)]);
  if (timers.deletes.length > 0) await db.run(DELETE_TIMERS, [JSON.stringify(timers.deletes)]);
}

const insertSql = sqlPerChunk((spec, rows) => {
  const tuple = `(${spec.columns.map(() => '?').join(', ')})`;
  return `INSERT INTO ${spec.table} (${spec.columns.join(', ')}) VALUES ${Array(rows).fill(tuple).join(', ')}`;
});

/**
 * The chunks of one table go to SQLite back to back, each awaited only at the end: `sqlite3` binds a
 * chunk's values on this thread when it is handed over and runs the chunks of one statement in
 * order on its own thread, so binding the next chunk overlaps with writing the previous one.
 * Statements of different tables are never in flight together (their order is not guaranteed).
 * Every chunk has settled before this returns, so a refused row is rolled back after all of them.
 */
async function writeRows(db: Database, spec: TableSpec, rows: unknown[], lease: Lease | undefined, sqlFor: (spec: TableSpec, rows: number) => string): Promise<void> {
  // Each chunk's refusal is caught as it happens (the next size's prepare may still be awaited).
  const refusals: Promise<{ reason: unknown } | null>[] = [];
  let offset = 0;
  for (const size of CHUNK_SIZES) {
    if (rows.length - offset < size || size * spec.columns.length > MAX_PARAMETERS) continue;
    const statement = await db.prepared(sqlFor(spec, size));
    while (rows.length - offset >= size) {
      refusals.push(db.runPrepared(statement, chunkValues(spec, rows, offset, size, lease)).then(() => null, (reason: unknown) => ({ reason })));
      offset += size;
    }
  }
  const refused = (await Promise.all(refusals)).find((refusal) => refusal !== null);
  if (refused) throw refused.reason;
}

/** One chunk's parameters, flat, without an array per row. */
function chunkValues(spec: TableSpec, rows: unknown[], offset: number, size: number, lease: Lease | undefined): unknown[] {
  const values: unknown[] = [];
  for (let i = offset; i < offset + size; i++) {
    for (const value of spec.values(rows[i], lease)) values.push(value);
  }
  return values;
}

/** The writer connection as the group commit's target. */
export function sqliteBatch(db: Database): BatchTarget {
  return {
    begin: () => db.run('BEGIN IMMEDIATE').then(() => undefined),
    commit: () => db.run('COMMIT').then(() => undefined),
    rollback: () => db.run('ROLLBACK').then(() => undefined),
    statement: (sql) => db.run(sql).then(() => undefined),
    write: (sets) => writeSets(db, sets),
    readStored: async (rooms, timers): Promise<StoredState> => {
      const roomRows = rooms.length
        ? await db.all<{ id: string; latest_index: number }>('SELECT id, latest_index FROM rooms WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(rooms)])
        : [];
      const timerRows = timers.length
        ? await db.all<{ id: string; due_at: number }>('SELECT id, due_at FROM timers WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(timers)])
        : [];
      return { rooms: new Map(roomRows.map((r) => [r.id, r.latest_index])), timers: new Map(timerRows.map((t) => [t.id, t.due_at])) };
    },
    constraintDetail: (error) => {
      const { code, message } = error as { code?: unknown; message?: unknown };
      if (code !== 'SQLITE_CONSTRAINT') return null;
      return typeof message === 'string' ? message.replace(/^SQLITE_CONSTRAINT: /, '') : 'a unique constraint';
    },
  };
}

