// What a group of write sets does to the tables, said once for every store: the columns each
// record is stored under, which version of a record wins in a batch, what happens to timers, and
// the compare-and-set rules (a room's expected latest index, a fired timer's due time) that decide
// which write sets of a batch may commit. The SQL dialects live with their stores.
import { RoomwireError, WriteConflict } from '../errors';
import type { Identity } from '../model';
import type { Timer } from '../timers/types';
import type { Change, Lease, WriteSet } from './store';

export type TableKey = Exclude<keyof WriteSet, 'deletedHookIds' | 'deletedTimerIds' | 'expect' | 'firedTimers' | 'lease' | 'fallbacks'>;

export interface TableSpec {
  key: TableKey;
  table: string;
  columns: string[];
  values: (row: any, lease: Lease | undefined) => unknown[];
  /** Columns refreshed on conflict (the id never changes). */
  update: string[];
  /** A condition on the stored row (named after its table) and the new one (`excluded`) for the refresh. */
  updateWhere?: string;
  /** The rows only change stored records (an UPDATE joined by id): a row not stored is not written. */
  updateOnly?: true;
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

const json = (row: unknown) => JSON.stringify(row);

export const TABLES: TableSpec[] = [
  {
    key: 'rooms',
    table: 'rooms',
    columns: ['id', 'state', 'tenant_id', 'latest_index', 'updated_at', 'data'],
    values: (r) => [r.id, r.state, r.tenantId ?? null, r.latestIndex, r.updatedAt, json(r)],
    update: ['state', 'tenant_id', 'latest_index', 'updated_at', 'data'],
  },
  {
    key: 'channels',
    table: 'channels',
    columns: ['id', 'type', 'data'],
    values: (r) => [r.id, r.type, json(r)],
    update: ['type', 'data'],
  },
  {
    key: 'identities',
    table: 'identities',
    columns: ['id', 'external_id', 'merged_into', 'data'],
    values: (r) => [r.id, r.externalId ?? null, r.mergedInto ?? null, json(r)],
    update: ['external_id', 'merged_into', 'data'],
  },
  {
    key: 'bindings',
    table: 'bindings',
    columns: ['id', 'room_id', 'channel_id', 'channel_type', 'address', 'identity_id', 'state', 'data'],
    values: (r) => [r.id, r.roomId, r.channelId, r.channelType, r.address, r.identityId ?? null, r.state, json(r)],
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
      r.idempotencyKey ?? null,
      r.source.channelId ?? null,
      r.source.providerMessageId ?? null,
      r.createdAt,
      json(r),
    ],
    update: ['status', 'data'],
  },
  {
    key: 'sideEffects',
    table: 'side_effects',
    columns: ['id', 'room_id', 'event_id', 'kind', 'created_at', 'data'],
    values: (r) => [r.id, r.roomId, r.eventId ?? null, r.kind, r.createdAt, json(r)],
    update: ['data'],
  },
  {
    key: 'deliveries',
    table: 'deliveries',
    columns: [
      'id', 'event_id', 'room_id', 'event_index', 'binding_id', 'channel_id', 'status', 'provider_message_id', 'updated_at',
      'lease_owner', 'lease_until', 'data',
    ],
    values: (r, lease) => [
      r.id,
      r.eventId,
      r.roomId,
      r.eventIndex,
      r.bindingId,
      r.channelId,
      r.status,
      r.providerMessageId ?? null,
      r.updatedAt,
      lease && r.status === 'queued' ? lease.owner : null,
      lease && r.status === 'queued' ? lease.until : null,
      json(r),
    ],
    // The lease stays with whoever holds it: a status write is not a claim.
    update: ['status', 'provider_message_id', 'updated_at', 'data'],
    updateWhere: DELIVERY_MOVES_FORWARD,
  },
  {
    // After `deliveries`: a batch that stores a delivery and changes its status does both in order.
    // Five values a row instead of twelve: a status change is most of the rows a message writes.
    key: 'deliveryStatuses',
    table: 'deliveries',
    columns: ['id', 'status', 'provider_message_id', 'updated_at', 'data'],
    values: (r) => [r.id, r.status, r.providerMessageId ?? null, r.updatedAt, json(r)],
    update: ['status', 'provider_message_id', 'updated_at', 'data'],
    updateWhere: DELIVERY_MOVES_FORWARD,
    updateOnly: true,
  },
  {
    key: 'hooks',
    table: 'hooks',
    columns: ['id', 'room_id', 'data'],
    values: (r) => [r.id, r.roomId ?? null, json(r)],
    update: ['room_id', 'data'],
  },
  {
    key: 'timers',
    table: 'timers',
    columns: ['id', 'kind', 'room_id', 'due_at', 'lease_owner', 'lease_until', 'data'],
    values: (r) => [r.id, r.kind, r.roomId, r.dueAt, null, null, json(r)],
    // A re-armed timer is a new promise to fire: nobody holds it yet.
    update: ['kind', 'room_id', 'due_at', 'lease_owner', 'lease_until', 'data'],
  },
];

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
export function identityAddressRows(identities: Identity[]): [string, string, string][] {
  return identities
    .filter((identity) => !identity.mergedInto)
    .flatMap((identity) => [...identity.addresses, ...(identity.aliases ?? [])].map((a): [string, string, string] => [a.channelType, a.address, identity.id]));
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

/** Stored latest index per room, due time per timer (missing: not stored). */
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
    for (const { roomId, latestIndex } of set.expect ?? []) {
      if (stored.busy?.has(roomId)) return conflict(`room ${roomId} is being written by another engine; retry`);
      const current = stored.rooms.get(roomId) ?? null;
      if (current !== latestIndex) {
        return conflict(`room ${roomId} changed under this write (its latest index is ${current ?? 'absent'}, expected ${latestIndex ?? 'absent'}); retry`);
      }
    }
    for (const { id, dueAt } of set.firedTimers ?? []) {
      if (stored.timers.get(id) !== dueAt) return conflict(`timer ${id} was fired or re-armed elsewhere`);
    }
    for (const room of set.rooms ?? []) stored.rooms.set(room.id, room.latestIndex);
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
    rooms: latestById(sets.flatMap((s) => s.rooms ?? [])).map((room) => ({ id: room.id, latestIndex: room.latestIndex })),
    events: ids((s) => s.events),
    sideEffects: ids((s) => s.sideEffects),
    deliveries: [...new Set([...ids((s) => s.deliveries), ...ids((s) => s.deliveryStatuses)])],
    identities: ids((s) => s.identities),
    hooks: ids((s) => s.hooks),
    deletedHooks: sets.flatMap((s) => s.deletedHookIds ?? []),
    timerDueAt: due.length > 0 ? Math.min(...due) : null,
    fallbacks: sets.flatMap((s) => s.fallbacks ?? []),
  };
}
