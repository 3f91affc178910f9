// A one-shot copy of an SQLite database into another store (PostgreSQL), then a check that every
// room's timeline reads back the same from both. Records are copied whole, in the order SQLite
// stored them, through the target's own write path (its columns, constraints and address rows).
import { RoomwireError } from '../errors';
import type { RoomEvent } from '../model';
import { Database, OPEN_READ_ONLY } from './sqlite/database';
import type { Store, WriteSet } from './store';

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

const BATCH = 500;
const PAGE = 1000;

export interface CopyReport {
  /** Records copied, per table. */
  copied: Record<string, number>;
  rooms: number;
  /** Rooms whose timeline differs between the two stores (empty: the copy is verified). */
  mismatches: string[];
}

export async function copySqliteInto(sqlitePath: string, target: Store, onProgress: (message: string) => void = () => undefined): Promise<CopyReport> {
  const source = await Database.open(sqlitePath, OPEN_READ_ONLY);
  try {
    if ((await target.listRooms({ limit: 1 })).length > 0) {
      throw new RoomwireError('conflict', 'the target database already holds rooms; copy into an empty one', 'to');
    }
    const copied: Record<string, number> = {};
    for (const [table, key] of TABLES) {
      copied[table] = 0;
      for (let offset = 0; ; offset += BATCH) {
        const rows = await source.all<{ data: string }>(`SELECT data FROM ${table} ORDER BY rowid LIMIT ? OFFSET ?`, [BATCH, offset]);
        if (rows.length === 0) break;
        const records = rows.map((row) => JSON.parse(row.data) as unknown);
        await target.commit({ [key]: key === 'identities' ? records.map((r) => ({ aliases: [], ...(r as object) })) : records } as WriteSet);
        copied[table] += rows.length;
      }
      onProgress(`${table}: ${copied[table]}`);
    }
    const rooms = await source.all<{ id: string }>('SELECT id FROM rooms ORDER BY rowid');
    const mismatches: string[] = [];
    for (const { id } of rooms) {
      if (!(await sameTimeline(source, target, id))) mismatches.push(id);
    }
    return { copied, rooms: rooms.length, mismatches };
  } finally {
    await source.close();
  }
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
