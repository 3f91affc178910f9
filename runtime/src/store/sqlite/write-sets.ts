// How a group of write sets becomes SQLite SQL: one upsert per table for all of them, its rows
// passed as one JSON array parameter that SQLite unpacks with json_each. Binding is done on the
// main thread, one JavaScript value at a time (about 0.4 µs each, a hundred per message); one
// JSON string per table is encoded natively in one call and parsed by SQLite on the thread that
// runs the statement, off the main thread. One prepared statement per table, whatever the batch
// size. What is written is said once for both stores in ../write-plan.ts.
import type { Identity } from '../../model';
import type { WriteSet } from '../store';
import type { Database } from './database';
import { TABLES, identityAddressRows, netTimerChanges, rowsOf, type TableSpec } from '../write-plan';
import type { Lease } from '../store';
import type { BatchTarget } from '../group-commit';
import type { StoredState } from '../write-plan';

/**
 * Rows from a JSON array of arrays, one array per row in column order. `->>` gives SQL values
 * (text, integer, real, null) as a bound parameter would; the record itself is the last element,
 * nested as JSON (not a string inside the string, which would escape every quote twice), and
 * `->` stores it as JSON text. `WHERE true` is SQLite's required separator between a SELECT and
 * an upsert clause.
 */
function insertSql(spec: TableSpec): string {
  const last = spec.columns.length - 1;
  const unpacked = spec.columns.map((_, i) => (spec.fields && i === last ? `value -> ${i}` : `value ->> ${i}`)).join(', ');
  return `INSERT INTO ${spec.table} (${spec.columns.join(', ')}) SELECT ${unpacked} FROM json_each(?) WHERE true`;
}

function upsertSql(spec: TableSpec): string {
  return `${insertSql(spec)}
    ON CONFLICT(id) DO UPDATE SET ${spec.update.map((c) => `${c} = excluded.${c}`).join(', ')}${spec.updateWhere ? ` WHERE ${spec.updateWhere}` : ''}`;
}

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
    await writeRows(db, spec, UPSERT_SQL.get(spec)!, rows, lease);
    // Insert, never take over: an address another identity owns fails this write set.
    if (spec.key === 'identities') await writeRows(db, ADDRESS_SPEC, INSERT_ADDRESS_SQL, identityAddressRows(rows as Identity[]), undefined);
  }
  const deletedHooks = sets.flatMap((set) => set.deletedHookIds ?? []);
  if (deletedHooks.length > 0) await db.run(DELETE_HOOKS, [JSON.stringify(deletedHooks)]);
  if (timers.deletes.length > 0) await db.run(DELETE_TIMERS, [JSON.stringify(timers.deletes)]);
}

const UPSERT_SQL = new Map(TABLES.map((spec) => [spec, upsertSql(spec)]));
const INSERT_ADDRESS_SQL = insertSql(ADDRESS_SPEC);

async function writeRows(db: Database, spec: TableSpec, sql: string, rows: unknown[], lease: Lease | undefined): Promise<void> {
  const { fields } = spec;
  const encoded = fields
    ? rows.map((row) => {
        const values = fields(row, lease);
        values.push(row);
        return values;
      })
    : rows.map((row) => spec.values(row, lease));
  await db.run(sql, [JSON.stringify(encoded)]);
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

