// How a group of write sets becomes SQLite SQL: per table, the rows go as JSON arrays, one bound
// parameter per chunk, and SQLite takes each column out of the row's JSON (`->>`) on its own
// thread. Binding a value per column cost the main thread a conversion per value and a JSON text
// per row; now it is one JSON text per chunk. What is written is said once for both stores in
// ../write-plan.ts.
import type { Identity } from '../../model';
import type { WriteSet } from '../store';
import type { Database } from './database';
import { IDENTITY_ADDRESSES, LEASE_OWNER, LEASE_UNTIL, NOBODY, RECORD, TABLES, identityAddressRows, netTimerChanges, rowsOf, type ColumnSource, type TableSpec } from '../write-plan';
import type { Lease } from '../store';
import type { BatchTarget } from '../group-commit';
import type { StoredState } from '../write-plan';

/**
 * Rows per chunk. `sqlite3` takes a chunk's text on this thread when it is handed over, and SQLite
 * writes it on its own thread while the next one is encoded. A chunk's JSON stays under V8's
 * large-object size (128 KB; an event row is about 520 bytes): a longer `JSON.stringify` result is
 * a tree of pieces that is copied whole twice more when handed over. Measured on this thread: 1.8–
 * 2.0 µs per row with 32 to 256 rows per chunk, 3.1–3.3 µs with 512 or 1,024.
 */
const CHUNK_ROWS = 128;

/** A column's value from the row's JSON (`value`); `?2` and `?3` are the batch's lease, when it claims. */
function columnSql(source: ColumnSource): string {
  if (source === RECORD) return 'value';
  if (source === LEASE_OWNER) return `CASE WHEN value ->> '$.status' = 'queued' THEN ?2 END`;
  if (source === LEASE_UNTIL) return `CASE WHEN value ->> '$.status' = 'queued' THEN ?3 END`;
  if (source === NOBODY) return 'NULL';
  return `value ->> '$.${source}'`;
}

/**
 * The chunk's rows, each row's JSON text taken once (MATERIALIZED): every column reads the same
 * text, which SQLite then parses once per row rather than once per column.
 */
function rowsCte(spec: TableSpec, name: string): string {
  return `WITH chunk(value) AS MATERIALIZED (SELECT value FROM json_each(?1)),
    ${name}(${spec.columns.join(', ')}) AS MATERIALIZED (SELECT ${spec.sources.map(columnSql).join(', ')} FROM chunk)`;
}

/**
 * The upsert's own `excluded` is the row that met a conflict, so the rows have another name here.
 * `WHERE true`: without it SQLite would read the upsert's ON as a join's.
 */
const upsertSql = perTable((spec) => `${rowsCte(spec, 'incoming')}
  INSERT INTO ${spec.table} (${spec.columns.join(', ')}) SELECT * FROM incoming WHERE true
  ON CONFLICT(id) DO UPDATE SET ${spec.update.map((c) => `${c} = excluded.${c}`).join(', ')}${spec.updateWhere ? ` WHERE ${spec.updateWhere}` : ''}`);

/** Changes stored rows only; the new values go by the upsert's name (`excluded`), so one condition serves both. */
const updateSql = perTable((spec) => `${rowsCte(spec, 'excluded')}
  UPDATE ${spec.table} SET ${spec.update.map((c) => `${c} = excluded.${c}`).join(', ')}
  FROM excluded WHERE ${spec.table}.id = excluded.id${spec.updateWhere ? ` AND (${spec.updateWhere})` : ''}`);

const insertSql = perTable((spec) => `${rowsCte(spec, 'incoming')}
  INSERT INTO ${spec.table} (${spec.columns.join(', ')}) SELECT * FROM incoming`);

/** A table's statement, built once: the same string object is what the statement cache looks up. */
function perTable(build: (spec: TableSpec) => string): (spec: TableSpec) => string {
  // By spec, not table name: new deliveries and their status changes are two specs of one table.
  const built = new Map<TableSpec, string>();
  return (spec) => {
    let sql = built.get(spec);
    if (sql === undefined) built.set(spec, (sql = build(spec)));
    return sql;
  };
}

const CLEAR_IDENTITY_ADDRESSES = `DELETE FROM identity_addresses WHERE identity_id IN (SELECT value FROM json_each(?))`;
const DELETE_HOOKS = `DELETE FROM hooks WHERE id IN (SELECT value FROM json_each(?))`;
const DELETE_TIMERS = `DELETE FROM timers WHERE id IN (SELECT value FROM json_each(?))`;

/**
 * Writes the rows of these write sets (inside a transaction the caller owns). Every table's chunks
 * go to SQLite at once, so SQLite runs them back to back and this thread is not asked for anything
 * in between (see `STATEMENT_COPIES`). Rows of different tables do not depend on each other; the
 * writes that do run in order: an identity's address rows after it, a delivery's status change
 * after the delivery when one batch holds both, deletions after everything else.
 */
export async function writeSets(db: Database, sets: WriteSet[]): Promise<void> {
  const timers = netTimerChanges(sets);
  const lease = sets.find((set) => set.lease)?.lease;
  const writing: Promise<Refusal | null>[] = [];
  let insertedDeliveries: { ids: Set<string>; written: Promise<Refusal | null> } | null = null;
  for (const spec of TABLES) {
    const rows = rowsOf(spec, sets, timers);
    if (rows.length === 0) continue;
    if (spec.key === 'identities') {
      // Rare, and three steps that depend on each other.
      await db.run(CLEAR_IDENTITY_ADDRESSES, [JSON.stringify(rows.map((r) => r.id))]);
      await writeRows(db, spec, rows, lease, upsertSql);
      // Insert, never take over: an address another identity owns fails this write set.
      await writeRows(db, IDENTITY_ADDRESSES, identityAddressRows(rows as Identity[]), undefined, insertSql);
      continue;
    }
    const write = () => refusalOf(writeRows(db, spec, rows, lease, spec.updateOnly ? updateSql : upsertSql));
    if (spec.key === 'deliveries') {
      insertedDeliveries = { ids: new Set(rows.map((row) => row.id)), written: write() };
      writing.push(insertedDeliveries.written);
    } else if (spec.key === 'deliveryStatuses' && insertedDeliveries && rows.some((row) => insertedDeliveries!.ids.has(row.id))) {
      writing.push(insertedDeliveries.written.then(write));
    } else {
      writing.push(write());
    }
  }
  // Every write settles before the first refusal is thrown: a refused row is rolled back after all of them.
  const refused = (await Promise.all(writing)).find((refusal) => refusal !== null);
  if (refused) throw refused.reason;
  const deletedHooks = sets.flatMap((set) => set.deletedHookIds ?? []);
  if (deletedHooks.length > 0) await db.run(DELETE_HOOKS, [JSON.stringify(deletedHooks)]);
  if (timers.deletes.length > 0) await db.run(DELETE_TIMERS, [JSON.stringify(timers.deletes)]);
}

interface Refusal {
  reason: unknown;
}

/** A write's refusal caught as it happens, so none goes unhandled while another step is awaited. */
function refusalOf(write: Promise<unknown>): Promise<Refusal | null> {
  return write.then(
    () => null,
    (reason: unknown) => ({ reason }),
  );
}

/**
 * Copies of one statement that chunks take turns on. A `sqlite3` statement runs one call at a time
 * and starts the next one only once this thread has taken the last one's result; separate copies
 * are each handed to libuv's threads at once, where the connection runs them one after another.
 * Sixteen: the chunks a table usually has in one transaction (measured: 16 beat 4 and 8).
 */
const STATEMENT_COPIES = 16;

/** The chunks of one table, all handed over at once; settles when every chunk has. */
async function writeRows(db: Database, spec: TableSpec, rows: unknown[], lease: Lease | undefined, sqlFor: (spec: TableSpec) => string): Promise<void> {
  const chunks = Math.ceil(rows.length / CHUNK_ROWS);
  const statements = await db.preparedCopies(sqlFor(spec), Math.min(chunks, STATEMENT_COPIES));
  const leased = spec.sources.includes(LEASE_OWNER);
  const runs: Promise<Refusal | null>[] = [];
  for (let i = 0; i < chunks; i++) {
    const chunk = JSON.stringify(chunks === 1 ? rows : rows.slice(i * CHUNK_ROWS, (i + 1) * CHUNK_ROWS));
    const params = leased ? [chunk, lease?.owner ?? null, lease?.until ?? null] : [chunk];
    runs.push(refusalOf(db.runPrepared(statements[i % statements.length]!, params)));
  }
  const refused = (await Promise.all(runs)).find((refusal) => refusal !== null);
  if (refused) throw refused.reason;
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
        ? await db.all<{ id: string; version: number }>('SELECT id, version FROM rooms WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(rooms)])
        : [];
      const timerRows = timers.length
        ? await db.all<{ id: string; due_at: number }>('SELECT id, due_at FROM timers WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(timers)])
        : [];
      return { rooms: new Map(roomRows.map((r) => [r.id, r.version])), timers: new Map(timerRows.map((t) => [t.id, t.due_at])) };
    },
    constraintDetail: (error) => {
      const { code, message } = error as { code?: unknown; message?: unknown };
      if (code !== 'SQLITE_CONSTRAINT') return null;
      return typeof message === 'string' ? message.replace(/^SQLITE_CONSTRAINT: /, '') : 'a unique constraint';
    },
  };
}

