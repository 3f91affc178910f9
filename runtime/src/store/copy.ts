// A one-shot copy of an SQLite database into another store (PostgreSQL), then a check that every
// record reads back the same from both: each room's timeline in index order, and every other
// record by its id. Records are copied whole, in the order SQLite stored them, through the target's
// own write path (its columns, constraints and address rows). The file is locked for the copy (no
// engine may write it meanwhile) and read in one transaction, so the copy is of one moment.
import { RoomwireError } from '../errors';
import type { RoomEvent } from '../model';
import { Database, OPEN_READ_ONLY } from './sqlite/database';
import { lockDatabase } from './sqlite/process-lock';
import type { Store, WriteSet } from './store';
import { AGENT_SESSION_COLUMNS, sessionOf, type SessionRow } from './agent-sessions';

/** SQLite table → write-set key, in an order where every record's references come first. */
const TABLES: [string, keyof WriteSet][] = [
  ['channels', 'channels'],
  ['identities', 'identities'],
  ['rooms', 'rooms'],
  ['bindings', 'bindings'],
  ['events', 'events'],
  ['side_effects', 'sideEffects'],
  ['deliveries', 'deliveries'],
  ['hooks', 'hooks'],
  ['timers', 'timers'],
];

/** How the target reads back one record of a table, by id (events are checked room by room instead). */
function readBack(target: Store): Record<string, (id: string) => Promise<unknown>> {
  const once = <T extends { id: string }>(list: () => Promise<T[]>) => {
    let byId: Promise<Map<string, T>> | undefined;
    return async (id: string) => (await (byId ??= list().then((all) => new Map(all.map((r) => [r.id, r]))))).get(id) ?? null;
  };
  return {
    channels: once(() => target.listChannels()),
    identities: (id) => target.getIdentity(id),
    rooms: (id) => target.getRoom(id),
    bindings: (id) => target.getBinding(id),
    side_effects: (id) => target.getSideEffect(id),
    deliveries: (id) => target.getDelivery(id),
    hooks: once(() => target.listHooks()),
    timers: (id) => target.getTimer(id),
  };
}

/**
 * What the target stores of a record as written. The file is read as it is, not migrated, so a
 * record may predate a field: an identity stored before aliases existed gets none, a room stored
 * before rooms had versions is at version 0 (what the file's own migration would give it).
 */
function asWritten(key: keyof WriteSet, record: unknown): unknown {
  if (key === 'identities') return { aliases: [], ...(record as object) };
  if (key === 'rooms') return { version: 0, ...(record as object) };
  return record;
}

const BATCH = 500;
const PAGE = 1000;

export interface CopyReport {
  /** Records copied, per table. */
  copied: Record<string, number>;
  rooms: number;
  /** Records that read back differently from the target, as `<table> <id>` (empty: the copy is verified). */
  mismatches: string[];
}

export async function copySqliteInto(sqlitePath: string, target: Store, onProgress: (message: string) => void = () => undefined): Promise<CopyReport> {
  // A live engine on the file refuses this (and none can start while it runs).
  const unlock = lockDatabase(sqlitePath);
  let source: Database | undefined;
  try {
    source = await Database.open(sqlitePath, OPEN_READ_ONLY);
    await source.exec('BEGIN');
    if ((await target.listRooms({ limit: 1 })).length > 0) {
      throw new RoomwireError('conflict', 'the target database already holds rooms; copy into an empty one', 'to');
    }
    const copied: Record<string, number> = {};
    for (const [table, key] of TABLES) {
      copied[table] = 0;
      for await (const records of pages(source, table)) {
        await target.commit({ [key]: records.map((r) => asWritten(key, r)) } as WriteSet);
        copied[table] += records.length;
      }
      onProgress(`${table}: ${copied[table]}`);
    }
    copied.api_idempotency = await copyIdempotencyKeys(source, target);
    copied.agent_sessions = await copyAgentSessions(source, target);
    onProgress(`api_idempotency: ${copied.api_idempotency}, agent_sessions: ${copied.agent_sessions}`);

    const mismatches: string[] = [];
    const rooms = await source.all<{ id: string }>('SELECT id FROM rooms ORDER BY rowid');
    for (const { id } of rooms) if (!(await sameTimeline(source, target, id))) mismatches.push(`events of room ${id}`);
    const read = readBack(target);
    for (const [table, key] of TABLES) {
      if (table === 'events') continue;
      for await (const records of pages(source, table)) {
        for (const record of records as { id: string }[]) {
          if (JSON.stringify(await read[table]!(record.id)) !== JSON.stringify(asWritten(key, record))) mismatches.push(`${table} ${record.id}`);
        }
      }
    }
    return { copied, rooms: rooms.length, mismatches };
  } finally {
    if (source) {
      await source.exec('COMMIT').catch(() => undefined);
      await source.close();
    }
    unlock();
  }
}

/** A table's records, a batch at a time, in the order SQLite stored them. */
async function* pages(source: Database, table: string): AsyncGenerator<unknown[]> {
  for (let offset = 0; ; offset += BATCH) {
    const rows = await source.all<{ data: string }>(`SELECT data FROM ${table} ORDER BY rowid LIMIT ? OFFSET ?`, [BATCH, offset]);
    if (rows.length === 0) return;
    yield rows.map((row) => JSON.parse(row.data) as unknown);
  }
}

/** Answers to API requests still within their retry window: a retry after the move gets the first answer. */
async function copyIdempotencyKeys(source: Database, target: Store): Promise<number> {
  const now = Date.now();
  const rows = await source.all<{ key: string; fingerprint: string; status: number | null; body: string | null; expires_at: number }>(
    'SELECT key, fingerprint, status, body, expires_at FROM api_idempotency WHERE expires_at > ? AND status IS NOT NULL',
    [now],
  );
  for (const row of rows) {
    await target.claimIdempotencyKey(row.key, row.fingerprint, now, row.expires_at);
    await target.completeIdempotencyKey(row.key, { status: Number(row.status), body: JSON.parse(row.body ?? 'null') }, row.expires_at);
  }
  return rows.length;
}

/** Agents signed in to the inbox stay signed in. */
async function copyAgentSessions(source: Database, target: Store): Promise<number> {
  const rows = await source.all<SessionRow>(`SELECT ${AGENT_SESSION_COLUMNS} FROM agent_sessions WHERE expires_at > ?`, [Date.now()]);
  for (const row of rows) await target.putAgentSession(sessionOf(row));
  return rows.length;
}

/** Every event of the room, in index order, is the same record in both stores. */
async function sameTimeline(source: Database, target: Store, roomId: string): Promise<boolean> {
  for (let from = 0; ; from += PAGE) {
    const expected = await source.all<{ data: string }>('SELECT data FROM events WHERE room_id = ? AND idx >= ? ORDER BY idx LIMIT ?', [roomId, from, PAGE]);
    const actual = await target.listEvents(roomId, { fromIndex: from, limit: PAGE });
    if (expected.length !== actual.length) return false;
    for (const [i, row] of expected.entries()) {
      if (JSON.stringify(JSON.parse(row.data) as RoomEvent) !== JSON.stringify(actual[i])) return false;
    }
    if (expected.length < PAGE) return true;
  }
}
