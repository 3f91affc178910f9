// How a group of write sets becomes PostgreSQL SQL: one multi-row upsert per table, rows sorted by
// id so two engines writing the same rows lock them in one order (no deadlock), the compare-and-set
// reads taken with FOR UPDATE SKIP LOCKED, and the change feed's notice sent in the same
// transaction (NOTIFY is delivered at commit, so a listener never hears of a write that rolled back).
import type { ClientBase } from 'pg';
import type { Identity } from '../../model';
import type { BatchTarget } from '../group-commit';
import type { Lease, WriteSet } from '../store';
import { beginOnKnownSchema } from './newer-schema';
import { IDENTITY_ADDRESSES, TABLES, changeOf, identityAddressRows, netTimerChanges, rowsOf, type StoredState, type TableSpec } from '../write-plan';

/** NOTIFY payloads must stay under 8,000 bytes; larger notices carry only their `change_payloads` id. */
export const MAX_NOTIFY_BYTES = 7_900;

/** The columns that are not TEXT: `unnest` is handed one typed array per column. */
const COLUMN_TYPES: Record<string, string> = { latest_index: 'integer', version: 'integer', idx: 'integer', event_index: 'integer', due_at: 'bigint', lease_until: 'bigint' };

/**
 * A table's rows in one statement whatever their number: one array parameter per column, spread
 * into rows by `unnest`. One round trip and one prepared plan per table, where multi-row VALUES
 * took a statement per chunk size and a parameter per value.
 */
function fromArrays(spec: TableSpec): string {
  return `INSERT INTO ${spec.table} (${spec.columns.join(', ')}) SELECT * FROM ${unnestColumns(spec)}`;
}

function unnestColumns(spec: TableSpec): string {
  return `unnest(${spec.columns.map((column, i) => `$${i + 1}::${COLUMN_TYPES[column] ?? 'text'}[]`).join(', ')})`;
}

const upsertSql = perTable('upsert', (spec) => {
  const where = spec.updateWhere ? ` WHERE ${spec.updateWhere.replaceAll('excluded.', 'EXCLUDED.')}` : '';
  return `${fromArrays(spec)}
    ON CONFLICT (id) DO UPDATE SET ${spec.update.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}${where}`;
});

const insertSql = perTable('insert', fromArrays);

/** Changes stored rows only; the new values go by the upsert's name (`EXCLUDED`), so one condition serves both. */
const updateSql = perTable('update', (spec) => {
  const where = spec.updateWhere ? ` AND (${spec.updateWhere.replaceAll('excluded.', 'EXCLUDED.')})` : '';
  return `UPDATE ${spec.table} SET ${spec.update.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
    FROM ${unnestColumns(spec)} AS EXCLUDED(${spec.columns.join(', ')}) WHERE ${spec.table}.id = EXCLUDED.id${where}`;
});

/** A table's statement, built and named (prepared once per connection) on first use. */
function perTable(kind: string, build: (spec: TableSpec) => string): (spec: TableSpec) => { name: string; text: string } {
  const built = new Map<TableSpec, { name: string; text: string }>();
  return (spec) => {
    let statement = built.get(spec);
    if (statement === undefined) built.set(spec, (statement = { name: `rw_${kind}_${spec.table}`, text: build(spec) }));
    return statement;
  };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export async function writeSets(db: ClientBase, sets: WriteSet[]): Promise<void> {
  const timers = netTimerChanges(sets);
  const lease = sets.find((set) => set.lease)?.lease;
  for (const spec of TABLES) {
    const rows = [...rowsOf(spec, sets, timers)].sort(byId);
    if (rows.length === 0) continue;
    if (spec.key === 'identities') await db.query('DELETE FROM identity_addresses WHERE identity_id = ANY($1)', [rows.map((r) => r.id)]);
    await writeRows(db, spec, rows, lease, spec.updateOnly ? updateSql : upsertSql);
    // Insert, never take over: an address another identity owns fails this write set.
    if (spec.key === 'identities') await writeRows(db, IDENTITY_ADDRESSES, identityAddressRows(rows as Identity[]), undefined, insertSql);
  }
  const deletedHooks = sets.flatMap((set) => set.deletedHookIds ?? []);
  if (deletedHooks.length > 0) await db.query('DELETE FROM hooks WHERE id = ANY($1)', [deletedHooks]);
  if (timers.deletes.length > 0) await db.query('DELETE FROM timers WHERE id = ANY($1)', [timers.deletes.sort()]);
}

async function writeRows(
  db: ClientBase,
  spec: TableSpec,
  rows: unknown[],
  lease: Lease | undefined,
  sqlFor: (spec: TableSpec) => { name: string; text: string },
): Promise<void> {
  const columns: unknown[][] = spec.columns.map(() => []);
  for (const row of rows) {
    const values = spec.values(row, lease);
    for (let c = 0; c < values.length; c++) columns[c]!.push(values[c]);
  }
  await db.query({ ...sqlFor(spec), values: columns });
}

/**
 * The writer connection as the group commit's target; `channel` and `origin` name the change feed,
 * `database` the database in errors.
 */
export function postgresBatch(db: ClientBase, feed: { channel: string; origin: string }, database: string): BatchTarget {
  return {
    begin: () => beginOnKnownSchema(db, database),
    commit: () => db.query('COMMIT').then(() => undefined),
    rollback: () => db.query('ROLLBACK').then(() => undefined),
    statement: (sql) => db.query(sql).then(() => undefined),
    write: (sets) => writeSets(db, sets),
    readStored: async (rooms, timers): Promise<StoredState> => {
      // A room another engine's transaction holds is skipped, not waited for: that transaction
      // moves its version, so a write set expecting it would be refused after the wait
      // anyway, and waiting would hold up every other write set of this batch (and the rooms it
      // locked already) behind it.
      const roomRows = rooms.length
        ? (await db.query<{ id: string; version: number }>({ name: 'rw_lock_rooms', text: 'SELECT id, version FROM rooms WHERE id = ANY($1) ORDER BY id FOR UPDATE SKIP LOCKED', values: [rooms] })).rows
        : [];
      const locked = new Set(roomRows.map((r) => r.id));
      const skipped = rooms.filter((id) => !locked.has(id));
      const busy = skipped.length
        ? new Set((await db.query<{ id: string }>({ name: 'rw_busy_rooms', text: 'SELECT id FROM rooms WHERE id = ANY($1)', values: [skipped] })).rows.map((r) => r.id))
        : new Set<string>();
      const timerRows = timers.length
        ? (await db.query<{ id: string; due_at: string }>('SELECT id, due_at FROM timers WHERE id = ANY($1) ORDER BY id FOR UPDATE', [timers])).rows
        : [];
      return { rooms: new Map(roomRows.map((r) => [r.id, r.version])), timers: new Map(timerRows.map((t) => [t.id, Number(t.due_at)])), busy };
    },
    announce: async (sets) => {
      // One round trip: the log row (read by engines catching up after a lost connection) and
      // the notice naming it, with the ids inline when they fit.
      const payload = JSON.stringify(changeOf(feed.origin, sets));
      const inline = Buffer.byteLength(payload) > MAX_NOTIFY_BYTES ? '' : ` ${payload}`;
      await db.query({
        name: 'rw_announce',
        text: `WITH logged AS (INSERT INTO change_payloads (origin, payload) VALUES ($2, $3) RETURNING id)
               SELECT pg_notify($1, id || ' ' || $2 || $4) FROM logged`,
        values: [feed.channel, feed.origin, payload, inline],
      });
    },
    constraintDetail: (error) => {
      const { code, detail, message } = error as { code?: unknown; detail?: unknown; message?: unknown };
      // 23505 unique violation; 40P01 deadlock and 40001 serialization failure: retry as well.
      if (code !== '23505' && code !== '40P01' && code !== '40001') return null;
      return String(detail ?? message ?? code);
    },
  };
}
