// What a group of write sets does to the tables, said once for every store: the columns each
// record is stored under, which version of a record wins in a batch, what happens to timers, and
// the compare-and-set rules (a room's expected version, a fired timer's due time) that decide
// which write sets of a batch may commit. The SQL dialects live with their stores.
import { RoomwireError, WriteConflict } from '../errors';
import type { Identity } from '../model';
import type { Timer } from '../timers/types';
import type { Change, Lease, WriteSet } from './store';

export type TableKey = Exclude<keyof WriteSet, 'deletedHookIds' | 'deletedTimerIds' | 'expect' | 'firedTimers' | 'lease' | 'fallbacks' | 'reads'>;

/** The whole record as JSON: what the store reads back (the other columns are for lookups). */
export const RECORD = Symbol('record');
/** The lease of a claiming batch, kept on rows still `queued`; null otherwise. */
export const LEASE_OWNER = Symbol('lease owner');
export const LEASE_UNTIL = Symbol('lease until');
/** Always null: a written row is held by nobody. */
export const NOBODY = Symbol('nobody');

/** Where a column's value comes from: a field of the record by its path (`source.channelId`), or one of the above. */
export type ColumnSource = string | typeof RECORD | typeof LEASE_OWNER | typeof LEASE_UNTIL | typeof NOBODY;

export interface TableSpec {
  key: TableKey;
  table: string;
  columns: string[];
  /** Per column, where its value comes from; a field the record lacks is null. */
  sources: ColumnSource[];
  /** A row's values in column order, for stores that bind one value per column. */
  values: (row: any, lease: Lease | undefined) => unknown[];
  /** Columns refreshed on conflict (the id never changes). */
  update: string[];
  /** A condition on the stored row (named after its table) and the new one (`excluded`) for the refresh. */
  updateWhere?: string;
  /** The rows only change stored records (an UPDATE joined by id): a row not stored is not written. */
  updateOnly?: true;
}

function table(spec: Omit<TableSpec, 'columns' | 'sources' | 'values'> & { columns: Record<string, ColumnSource> }): TableSpec {
  const sources = Object.values(spec.columns);
  const readers = sources.map(readerOf);
  return { ...spec, columns: Object.keys(spec.columns), sources, values: (row, lease) => readers.map((read) => read(row, lease)) };
}

function readerOf(source: ColumnSource): (row: any, lease: Lease | undefined) => unknown {
  if (source === RECORD) return (row) => JSON.stringify(row);
  if (source === LEASE_OWNER) return (row, lease) => (lease && row.status === 'queued' ? lease.owner : null);
  if (source === LEASE_UNTIL) return (row, lease) => (lease && row.status === 'queued' ? lease.until : null);
  if (source === NOBODY) return () => null;
  const [first, ...rest] = source.split('.') as [string, ...string[]];
  if (rest.length === 0) return (row) => row[first] ?? null;
  return (row) => rest.reduce((value, name) => value?.[name], row[first]) ?? null;
}

/**
 * DESIGN.md section 8: a status only moves forward (queued → sent → delivered → read; failed and
 * undelivered from queued or sent; final states stay). Checked in the upsert itself, so a late
 * callback handled by another engine cannot move a delivery back. Same status: other fields change.
 */
const DELIVERY_MOVES_FORWARD = `excluded.status = deliveries.status OR (
  (excluded.status IN ('failed', 'undelivered', 'delivered') AND deliveries.status IN ('queued', 'sent'))
  OR (excluded.status = 'sent' AND deliveries.status = 'queued')
  OR (excluded.status = 'read' AND deliveries.status IN ('queued', 'sent', 'delivered')))`;

export const TABLES: TableSpec[] = [
  table({
    key: 'rooms',
    table: 'rooms',
    columns: { id: 'id', state: 'state', tenant_id: 'tenantId', latest_index: 'latestIndex', version: 'version', updated_at: 'updatedAt', data: RECORD },
    update: ['state', 'tenant_id', 'latest_index', 'version', 'updated_at', 'data'],
  }),
  table({
    key: 'channels',
    table: 'channels',
    columns: { id: 'id', type: 'type', data: RECORD },
    update: ['type', 'data'],
  }),
  table({
    key: 'identities',
    table: 'identities',
    columns: { id: 'id', external_id: 'externalId', merged_into: 'mergedInto', data: RECORD },
    update: ['external_id', 'merged_into', 'data'],
  }),
  table({
    key: 'bindings',
    table: 'bindings',
    columns: {
      id: 'id', room_id: 'roomId', channel_id: 'channelId', channel_type: 'channelType', address: 'address', identity_id: 'identityId',
      state: 'state', data: RECORD,
    },
    update: ['identity_id', 'state', 'data'],
  }),
  table({
    key: 'events',
    table: 'events',
    columns: {
      id: 'id', room_id: 'roomId', idx: 'index', type: 'type', status: 'status', idempotency_key: 'idempotencyKey',
      channel_id: 'source.channelId', provider_message_id: 'source.providerMessageId', created_at: 'createdAt', data: RECORD,
    },
    update: ['status', 'data'],
  }),
  table({
    key: 'sideEffects',
    table: 'side_effects',
    columns: { id: 'id', room_id: 'roomId', event_id: 'eventId', kind: 'kind', created_at: 'createdAt', data: RECORD },
    update: ['data'],
  }),
  table({
    key: 'deliveries',
    table: 'deliveries',
    columns: {
      id: 'id', event_id: 'eventId', room_id: 'roomId', event_index: 'eventIndex', binding_id: 'bindingId', channel_id: 'channelId',
      status: 'status', provider_message_id: 'providerMessageId', updated_at: 'updatedAt', lease_owner: LEASE_OWNER, lease_until: LEASE_UNTIL,
      // Unique: two engines handling one failure cannot both fall back from it.
      fallback_of: 'fallbackOf', data: RECORD,
    },
    // The lease stays with whoever holds it: a status write is not a claim.
    update: ['status', 'provider_message_id', 'updated_at', 'data'],
    updateWhere: DELIVERY_MOVES_FORWARD,
  }),
  table({
    // After `deliveries`: a batch that stores a delivery and changes its status does both in order.
    // Five columns instead of twelve: a status change is most of the rows a message writes.
    key: 'deliveryStatuses',
    table: 'deliveries',
    columns: { id: 'id', status: 'status', provider_message_id: 'providerMessageId', updated_at: 'updatedAt', data: RECORD },
    update: ['status', 'provider_message_id', 'updated_at', 'data'],
    updateWhere: DELIVERY_MOVES_FORWARD,
    updateOnly: true,
  }),
  table({
    key: 'hooks',
    table: 'hooks',
    columns: { id: 'id', room_id: 'roomId', data: RECORD },
    update: ['room_id', 'data'],
  }),
  table({
    key: 'timers',
    table: 'timers',
    columns: { id: 'id', kind: 'kind', room_id: 'roomId', due_at: 'dueAt', lease_owner: NOBODY, lease_until: NOBODY, data: RECORD },
    // A re-armed timer is a new promise to fire: nobody holds it yet.
    update: ['kind', 'room_id', 'due_at', 'lease_owner', 'lease_until', 'data'],
  }),
];

/** Written after each identity's rows are cleared, and only inserted: see `identityAddressRows`. */
export const IDENTITY_ADDRESSES: TableSpec = table({
  key: 'identities',
  table: 'identity_addresses',
  columns: { channel_type: 'channelType', address: 'address', identity_id: 'identityId' },
  update: [],
});

/**
 * The newest version of each record: a room written by 2,000 events of one batch is one row write.
 * A record keeps the place of its first version.
 */
export function latestById<T extends { id: string }>(rows: T[]): T[] {
  if (rows.length < 2) return rows;
  const byId = new Map<string, T>();
  for (const row of rows) byId.set(row.id, row);
  return byId.size === rows.length ? rows : [...byId.values()];
}

/** The rows of one table over a batch (timers: their net change, see `netTimerChanges`). */
export function rowsOf(spec: TableSpec, sets: WriteSet[], timers: { upserts: Timer[] }): { id: string }[] {
  if (spec.key === 'timers') return timers.upserts;
  const rows: { id: string }[] = [];
  for (const set of sets) {
    const some = set[spec.key] as { id: string }[] | undefined;
    if (some) for (const row of some) rows.push(row);
  }
  return latestById(rows);
}

/**
 * What the batch does to each timer, in write-set order: a timer deleted by one write set and
 * re-armed by a later one survives. Within one write set the deletion comes first, so a firing
 * timer that re-arms itself under the same id keeps its new due time.
 */
export function netTimerChanges(sets: WriteSet[]): { upserts: Timer[]; deletes: string[] } {
  const final = new Map<string, Timer | null>();
  for (const set of sets) {
    for (const id of set.deletedTimerIds ?? []) final.set(id, null);
    for (const { id } of set.firedTimers ?? []) final.set(id, null);
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

/**
 * The address rows of the identities written: an identity owns its addresses and the aliases kept
 * from merges; a merged identity owns none (its addresses resolve through the destination). The
 * rows are inserted, never taken over: a second identity claiming an address fails its write set.
 */
export function identityAddressRows(identities: Identity[]): { channelType: string; address: string; identityId: string }[] {
  return identities
    .filter((identity) => !identity.mergedInto)
    .flatMap((identity) => [...identity.addresses, ...(identity.aliases ?? [])].map((a) => ({ channelType: a.channelType, address: a.address, identityId: identity.id })));
}

/** Rooms whose timeline or state a write set changes (a status update or an identity changes none). */
export function roomsWrittenBy(writes: WriteSet): string[] {
  return [
    ...(writes.expect ?? []).map((e) => e.roomId),
    ...(writes.rooms ?? []).map((room) => room.id),
    ...(writes.events ?? []).map((event) => event.roomId),
    ...(writes.bindings ?? []).map((binding) => binding.roomId),
  ];
}

/** What the compare-and-set rules of a batch need read (inside the transaction, before writing). */
export function expectations(sets: WriteSet[]): { rooms: string[]; timers: string[] } {
  const rooms = new Set<string>();
  const timers = new Set<string>();
  for (const set of sets) {
    for (const e of set.expect ?? []) rooms.add(e.roomId);
    for (const t of set.firedTimers ?? []) timers.add(t.id);
  }
  return { rooms: [...rooms].sort(), timers: [...timers].sort() };
}

/** Stored version per room, due time per timer (missing: not stored). */
export interface StoredState {
  rooms: Map<string, number>;
  timers: Map<string, number>;
  /**
   * Rooms another writer's transaction holds right now (several engines on one database): a
   * write set expecting one is refused at once, as it would be once that transaction commits.
   */
  busy?: Set<string>;
}

/**
 * Which write sets of a batch may commit, in queue order: each sees the stored state as the write
 * sets before it left it. A refused write set changes nothing, so the later ones of its room (which
 * expect what it would have written) are refused too: never a gap, never a reordering.
 */
export function checkExpectations(sets: WriteSet[], stored: StoredState): (RoomwireError | undefined)[] {
  return sets.map((set) => {
    for (const { roomId, version } of set.expect ?? []) {
      if (stored.busy?.has(roomId)) return conflict(`room ${roomId} is being written by another engine; retry`);
      const current = stored.rooms.get(roomId) ?? null;
      if (current !== version) {
        return conflict(`room ${roomId} changed under this write (it is at version ${current ?? 'absent'}, expected ${version ?? 'absent'}); retry`);
      }
    }
    for (const { id, dueAt } of set.firedTimers ?? []) {
      if (stored.timers.get(id) !== dueAt) return conflict(`timer ${id} was fired or re-armed elsewhere`);
    }
    for (const room of set.rooms ?? []) stored.rooms.set(room.id, room.version);
    for (const id of set.deletedTimerIds ?? []) stored.timers.delete(id);
    for (const { id } of set.firedTimers ?? []) stored.timers.delete(id);
    for (const timer of set.timers ?? []) stored.timers.set(timer.id, timer.dueAt);
    return undefined;
  });
}

export function conflict(message: string): RoomwireError {
  return new WriteConflict(message);
}

/** The ids another engine needs to hear about a batch (DESIGN.md section 13: the change feed). */
export function changeOf(origin: string, sets: WriteSet[]): Change {
  const ids = <T extends { id: string }>(pick: (set: WriteSet) => T[] | undefined) => [...new Set(sets.flatMap((set) => (pick(set) ?? []).map((r) => r.id)))];
  const due = sets.flatMap((set) => (set.timers ?? []).map((t) => t.dueAt));
  return {
    origin,
    rooms: latestById(sets.flatMap((s) => s.rooms ?? [])).map((room) => ({ id: room.id, version: room.version })),
    events: ids((s) => s.events),
    sideEffects: ids((s) => s.sideEffects),
    deliveries: [...new Set([...ids((s) => s.deliveries), ...ids((s) => s.deliveryStatuses)])],
    deliveryStatuses: Object.fromEntries(sets.flatMap((s) => [...(s.deliveries ?? []), ...(s.deliveryStatuses ?? [])]).map((d) => [d.id, d.status])),
    identities: ids((s) => s.identities),
    hooks: ids((s) => s.hooks),
    deletedHooks: sets.flatMap((s) => s.deletedHookIds ?? []),
    timerDueAt: due.length > 0 ? Math.min(...due) : null,
    fallbacks: sets.flatMap((s) => s.fallbacks ?? []),
    reads: sets.flatMap((s) => s.reads ?? []),
  };
}
