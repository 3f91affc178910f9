// How a group of write sets becomes SQL: one multi-row upsert per table for all of them, so a
// transaction of 2,000 write sets costs tens of statements, not thousands. Used for a whole batch
// and, when one write set of a batch is refused, for each write set under its own savepoint.
import type { WriteSet } from '../store';
import type { Timer } from '../../timers/types';
import type { Database } from './database';

type TableKey = Exclude<keyof WriteSet, 'deletedHookIds' | 'deletedTimerIds'>;

// One upsert per table. Rows are bound as multi-row VALUES (fixed chunk sizes, so statements stay
// prepared): extracting columns from JSON text in SQL re-parses the text once per column.
interface TableSpec {
  key: TableKey;
  table: string;
  columns: string[];
  values: (row: any) => unknown[];
  /** Columns refreshed on conflict (the id never changes). */
  update: string[];
}

const TABLES: TableSpec[] = [
  {
    key: 'rooms',
    table: 'rooms',
    columns: ['id', 'state', 'tenant_id', 'latest_index', 'updated_at', 'data'],
    values: (r) => [r.id, r.state, r.tenantId, r.latestIndex, r.updatedAt, JSON.stringify(r)],
    update: ['state', 'tenant_id', 'latest_index', 'updated_at', 'data'],
  },
  {
    key: 'channels',
    table: 'channels',
    columns: ['id', 'type', 'data'],
    values: (r) => [r.id, r.type, JSON.stringify(r)],
    update: ['type', 'data'],
  },
  {
    key: 'identities',
    table: 'identities',
    columns: ['id', 'external_id', 'data'],
    values: (r) => [r.id, r.externalId, JSON.stringify(r)],
    update: ['external_id', 'data'],
  },
  {
    key: 'bindings',
    table: 'bindings',
    columns: ['id', 'room_id', 'channel_id', 'channel_type', 'address', 'identity_id', 'state', 'data'],
    values: (r) => [r.id, r.roomId, r.channelId, r.channelType, r.address, r.identityId, r.state, JSON.stringify(r)],
    update: ['identity_id', 'state', 'data'],
  },
  {
    key: 'events',
    table: 'events',
    columns: ['id', 'room_id', 'idx', 'type', 'status', 'idempotency_key', 'channel_id', 'provider_message_id', 'created_at', 'data'],
    values: (r) => [
      r.id,
      r.roomId,
      r.index,
      r.type,
      r.status,
      r.idempotencyKey,
      r.source.channelId,
      r.source.providerMessageId,
      r.createdAt,
      JSON.stringify(r),
    ],
    update: ['status', 'data'],
  },
  {
    key: 'sideEffects',
    table: 'side_effects',
    columns: ['id', 'room_id', 'event_id', 'kind', 'created_at', 'data'],
    values: (r) => [r.id, r.roomId, r.eventId, r.kind, r.createdAt, JSON.stringify(r)],
    update: ['data'],
  },
  {
    key: 'deliveries',
    table: 'deliveries',
    columns: ['id', 'event_id', 'room_id', 'binding_id', 'channel_id', 'status', 'provider_message_id', 'updated_at', 'data'],
    values: (r) => [r.id, r.eventId, r.roomId, r.bindingId, r.channelId, r.status, r.providerMessageId, r.updatedAt, JSON.stringify(r)],
    update: ['status', 'provider_message_id', 'updated_at', 'data'],
  },
  {
    key: 'hooks',
    table: 'hooks',
    columns: ['id', 'room_id', 'data'],
    values: (r) => [r.id, r.roomId, JSON.stringify(r)],
    update: ['room_id', 'data'],
  },
  {
    key: 'timers',
    table: 'timers',
    columns: ['id', 'kind', 'room_id', 'due_at', 'data'],
    values: (r) => [r.id, r.kind, r.roomId, r.dueAt, JSON.stringify(r)],
    update: ['kind', 'room_id', 'due_at', 'data'],
  },
];

const CHUNK_SIZES = [256, 32, 4, 1];

function upsertSql(spec: TableSpec, rows: number): string {
  const tuple = `(${spec.columns.map(() => '?').join(', ')})`;
  return `INSERT INTO ${spec.table} (${spec.columns.join(', ')}) VALUES ${Array(rows).fill(tuple).join(', ')}
    ON CONFLICT(id) DO UPDATE SET ${spec.update.map((c) => `${c} = excluded.${c}`).join(', ')}`;
}

/** The newest version of each record: a room written by 2,000 events of one batch is one row write. */
function latestById<T extends { id: string }>(rows: T[]): T[] {
  if (rows.length < 2) return rows;
  const byId = new Map<string, T>();
  for (const row of rows) {
    byId.delete(row.id);
    byId.set(row.id, row);
  }
  return byId.size === rows.length ? rows : [...byId.values()];
}

// An identity owns its addresses and its aliases (kept from merges): rewrite their rows whenever
// the identity is written. A merged identity owns none: its addresses resolve through the destination.
const CLEAR_IDENTITY_ADDRESSES = `DELETE FROM identity_addresses WHERE identity_id IN (SELECT value->>'id' FROM json_each(?))`;
const WRITE_IDENTITY_ADDRESSES = `INSERT INTO identity_addresses (channel_type, address, identity_id)
  SELECT a.value->>'channelType', a.value->>'address', i.value->>'id'
  FROM json_each(?1) AS i, json_each(i.value, '$.addresses') AS a WHERE i.value->>'mergedInto' IS NULL
  UNION ALL
  SELECT a.value->>'channelType', a.value->>'address', i.value->>'id'
  FROM json_each(?1) AS i, json_each(i.value, '$.aliases') AS a WHERE i.value->>'mergedInto' IS NULL
  ON CONFLICT(channel_type, address) DO UPDATE SET identity_id = excluded.identity_id`;
const DELETE_HOOKS = `DELETE FROM hooks WHERE id IN (SELECT value FROM json_each(?))`;
const DELETE_TIMERS = `DELETE FROM timers WHERE id IN (SELECT value FROM json_each(?))`;

/**
 * What the batch does to each timer, in write-set order: a timer deleted by one write set and
 * re-armed by a later one survives. Within one write set the deletion comes first, so a firing
 * timer that re-arms itself under the same id keeps its new due time.
 */
function netTimerChanges(sets: WriteSet[]): { upserts: Timer[]; deletes: string[] } {
  const final = new Map<string, Timer | null>();
  for (const set of sets) {
    for (const id of set.deletedTimerIds ?? []) final.set(id, null);
    for (const timer of set.timers ?? []) final.set(timer.id, timer);
  }
  const upserts: Timer[] = [];
  const deletes: string[] = [];
  for (const [id, timer] of final) {
    if (timer) upserts.push(timer);
    else deletes.push(id);
  }
  return { upserts, deletes };
}

/** Writes the rows of these write sets (inside a transaction the caller owns), in write-set order. */
export async function writeSets(db: Database, sets: WriteSet[]): Promise<void> {
  const timers = netTimerChanges(sets);
  for (const spec of TABLES) {
    const rows = spec.key === 'timers' ? timers.upserts : latestById(sets.flatMap((set) => (set[spec.key] ?? []) as { id: string }[]));
    if (rows.length === 0) continue;
    const json = spec.key === 'identities' ? JSON.stringify(rows) : '';
    if (json) await db.run(CLEAR_IDENTITY_ADDRESSES, [json]);
    await writeRows(db, spec, rows);
    if (json) await db.run(WRITE_IDENTITY_ADDRESSES, [json]);
  }
  const deletedHooks = sets.flatMap((set) => set.deletedHookIds ?? []);
  if (deletedHooks.length > 0) await db.run(DELETE_HOOKS, [JSON.stringify(deletedHooks)]);
  if (timers.deletes.length > 0) await db.run(DELETE_TIMERS, [JSON.stringify(timers.deletes)]);
}

async function writeRows(db: Database, spec: TableSpec, rows: unknown[]): Promise<void> {
  let offset = 0;
  for (const size of CHUNK_SIZES) {
    const sql = upsertSql(spec, size);
    while (rows.length - offset >= size) {
      await db.run(sql, rows.slice(offset, offset + size).flatMap(spec.values));
      offset += size;
    }
  }
}
