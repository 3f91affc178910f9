// SQLite implementation of the Store: WAL, one writer connection (group commit, synchronous=FULL
// so a resolved commit survives power loss) and one reader connection that never blocks it.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Binding, Channel, Delivery, DeliveryStatus, Identity, Room, RoomEvent, RoomState, SideEffect } from '../../model';
import type { StoredHook } from '../../hooks/types';
import type { Timer } from '../../timers/types';
import { AGENT_SESSION_COLUMNS, sessionOf, type SessionRow } from '../agent-sessions';
import type { AgentSessionRecord, DeliveryQuery, EventQuery, IdempotencyRecord, Lease, RoomQuery, Store, WriteSet } from '../store';
import { Database, OPEN_READ_ONLY, OPEN_READ_WRITE } from './database';
import { GroupCommitter } from '../group-commit';
import { IDEMPOTENCY_PURGE_INTERVAL_MS, idempotencyRecord, type IdempotencyRow } from '../idempotency-rows';
import { roomListQuery } from '../room-list';
import { DELIVERIES_THROUGH_EVENTS, latestDeliveryToBindingQuery, roomDeliveriesQuery, roomDeliveryCountsQuery } from '../room-deliveries';
import { lockDatabase } from './process-lock';
import { MIGRATIONS } from './migrations';
import { refuseUnknownMigrations } from '../schema-version';
import { sqliteBatch } from './write-sets';

interface DataRow {
  data: string;
}

const CHECKPOINT_INTERVAL_MS = 1000;
/**
 * When the WAL starts over, and what a restarted file is cut back to. The restart comes well
 * before the cut, so the file is written over in place rather than cut and grown again: while the
 * file grows, each commit's sync also journals the file system's new blocks, and at 1,000 msg/s
 * (about 6,000 frames a second) that showed as commits stalled for 60-90 ms. The cut is high
 * because restarts are decided once a second: writes of many small transactions can add 100 MB
 * or more to the WAL in that time, and a file cut below that would grow again every second.
 */
export const WAL_LIMITS = {
  /** The WAL's length at which the writer restarts it, whatever the database's page size. */
  restartBytes: 16 * 1024 * 1024,
  /** What `journal_size_limit` cuts a restarted file back to. */
  sizeLimitBytes: 256 * 1024 * 1024,
} as const;
/**
 * The page size of a database this store creates (SQLite's default is 4 KB). A message's rows land
 * in about a dozen B-trees, and each B-tree's end page is written out again in every transaction:
 * bigger pages split less often and take fewer frames per row. Measured in alternating runs:
 * `engine-1room` +8% (eight pairs), `engine-1000rooms` +13–19% (three pairs); 32 KB was no better
 * with one room. A database made with other pages keeps them: WAL mode fixes the page size once
 * the file exists.
 */
export const PAGE_BYTES = 16 * 1024;
/**
 * The writer's page cache (SQLite's default is 2 MB). Messages spread over many rooms touch one
 * index page per room in every batch; with the default those pages are read back from the file
 * for each batch. 64 MB: engine-1000rooms +6%, SQLite's thread ~25 µs less per message.
 */
const WRITER_CACHE_KIB = 64 * 1024;

function parse<T>(row: DataRow | undefined): T | null {
  return row ? (JSON.parse(row.data) as T) : null;
}

function parseAll<T>(rows: DataRow[]): T[] {
  return rows.map((row) => JSON.parse(row.data) as T);
}

export class SqliteStore implements Store {
  private writer!: Database;
  private reader!: Database;
  private committer!: GroupCommitter;
  private checkpointer: Database | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;

  /** `walRestartBytes`: WAL length at which the writer restarts it; tests shorten it. */
  constructor(
    readonly path: string,
    private readonly walRestartBytes: number = WAL_LIMITS.restartBytes,
  ) {}

  private unlock: () => void = () => undefined;
  /** When expired idempotency records were last deleted (the caller's clock). */
  private idempotencyPurgedAt = -Infinity;

  async open(): Promise<void> {
    const inMemory = this.path === ':memory:';
    if (!inMemory) mkdirSync(dirname(this.path), { recursive: true });
    if (!inMemory) this.unlock = lockDatabase(this.path);
    this.writer = await Database.open(this.path, OPEN_READ_WRITE).catch((error: unknown) => {
      this.unlock();
      throw error;
    });
    try {
      await this.writer.exec(`
        PRAGMA page_size = ${PAGE_BYTES};
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = FULL;
        PRAGMA busy_timeout = 5000;
        PRAGMA temp_store = MEMORY;
        PRAGMA cache_size = -${WRITER_CACHE_KIB};
        PRAGMA wal_autocheckpoint = 0;
        PRAGMA journal_size_limit = ${WAL_LIMITS.sizeLimitBytes};
      `);
      await this.migrate();
    } catch (error) {
      // Refused or failed before anything else was opened: the file is free for the next attempt.
      await this.writer.close().catch(() => undefined);
      this.unlock();
      throw error;
    }
    // One engine writes an SQLite file at a time: leases found on opening belong to a process that is gone.
    await this.writer.exec('UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL; UPDATE timers SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL;');
    // An in-memory database exists once per connection, so it has to read through the writer.
    this.reader = inMemory ? this.writer : await Database.open(this.path, OPEN_READ_ONLY);
    if (!inMemory) await this.reader.exec('PRAGMA busy_timeout = 5000;');
    this.committer = new GroupCommitter(sqliteBatch(this.writer));
    if (!inMemory) await this.startCheckpoints();
  }

  /**
   * WAL pages are copied back into the database by a connection of their own, in PASSIVE mode:
   * SQLite's automatic checkpoint would run inside a writer's COMMIT and stall every caller of
   * that group commit for tens of milliseconds. Once the WAL is long, the writer restarts it
   * (`GroupCommitter.restartWal`): passive checkpoints alone never let it start over while
   * writes keep coming.
   */
  private async startCheckpoints(): Promise<void> {
    const checkpointer = await Database.open(this.path, OPEN_READ_WRITE);
    await checkpointer.exec('PRAGMA busy_timeout = 5000;');
    this.checkpointer = checkpointer;
    // A checkpoint reports the WAL's length in frames, one page each.
    const pageBytes = (await this.writer.get<{ page_size: number }>('PRAGMA page_size'))!.page_size;
    const restartFrames = Math.max(1, Math.floor(this.walRestartBytes / pageBytes));
    let running = false;
    this.checkpointTimer = setInterval(() => {
      if (running) return;
      running = true;
      checkpointer
        .get<{ log: number }>('PRAGMA wal_checkpoint(PASSIVE)')
        .then((result) => {
          if (result && result.log >= restartFrames) void this.restartWal();
        })
        .catch(() => undefined)
        .finally(() => {
          running = false;
        });
    }, CHECKPOINT_INTERVAL_MS);
    this.checkpointTimer.unref();
  }

  async close(): Promise<void> {
    await this.committer.close();
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    if (this.checkpointer) {
      await this.checkpointer.exec('PRAGMA wal_checkpoint(TRUNCATE);').catch(() => undefined);
      await this.checkpointer.close();
    }
    if (this.reader !== this.writer) await this.reader.close();
    await this.writer.close();
    this.unlock();
  }

  /**
   * A RESTART checkpoint on the writer, between two transactions. The WAL only starts over from
   * its beginning when a checkpoint has copied all of it back before a transaction begins; under
   * constant writes the passive checkpoints never catch up, and the WAL file (and its index, mapped
   * into memory) would grow for as long as the writes go on. Commits wait meanwhile, for the few
   * frames the last passive checkpoint did not copy. Busy (a long read on another connection):
   * the next passive checkpoint asks again.
   */
  private restartWal(): Promise<unknown> {
    return this.committer.exclusive(() => this.writer.get('PRAGMA wal_checkpoint(RESTART)').catch(() => undefined)).catch(() => undefined);
  }

  commit(writes: WriteSet): Promise<void> {
    return this.committer.commit(writes);
  }

  /** One process writes an SQLite file at a time, between two group commits: no row is locked. */
  claimDeliveries(lease: Lease, limit: number): Promise<Delivery[]> {
    return this.committer.exclusive(async () =>
      parseAll<Delivery>(
        await this.writer.all<DataRow>(
          `UPDATE deliveries SET lease_owner = ?, lease_until = ?
           WHERE id IN (SELECT id FROM deliveries WHERE status = 'queued' AND (lease_until IS NULL OR lease_until < ?)
                        ORDER BY room_id, event_index LIMIT ?)
           RETURNING data`,
          [lease.owner, lease.until, Date.now(), limit],
        ),
      ).sort(byRoomAndIndex),
    );
  }

  async renewDeliveryLeases(lease: Lease): Promise<void> {
    await this.committer.exclusive(() =>
      this.writer.run(`UPDATE deliveries SET lease_until = ? WHERE lease_owner = ? AND status = 'queued'`, [lease.until, lease.owner]),
    );
  }

  async putAgentSession(session: AgentSessionRecord): Promise<void> {
    await this.committer.exclusive(() =>
      this.writer.run('INSERT OR REPLACE INTO agent_sessions (scope, id_hash, user_name, csrf, expires_at) VALUES (?, ?, ?, ?, ?)', [
        session.scope,
        session.idHash,
        session.user,
        session.csrf,
        session.expiresAt,
      ]),
    );
  }

  async getAgentSession(scope: string, idHash: string, now: number): Promise<AgentSessionRecord | null> {
    const row = await this.reader.get<SessionRow>(
      `SELECT ${AGENT_SESSION_COLUMNS} FROM agent_sessions WHERE scope = ? AND id_hash = ? AND expires_at > ?`,
      [scope, idHash, now],
    );
    return row ? sessionOf(row) : null;
  }

  async deleteAgentSession(scope: string, idHash: string): Promise<void> {
    await this.committer.exclusive(() => this.writer.run('DELETE FROM agent_sessions WHERE scope = ? AND id_hash = ?', [scope, idHash]));
  }

  async deleteExpiredAgentSessions(now: number): Promise<number> {
    return this.committer.exclusive(() => this.writer.run('DELETE FROM agent_sessions WHERE expires_at <= ?', [now]));
  }

  claimDueTimers(now: number, lease: Lease, limit: number): Promise<Timer[]> {
    return this.committer.exclusive(async () =>
      parseAll<Timer>(
        await this.writer.all<DataRow>(
          `UPDATE timers SET lease_owner = ?, lease_until = ?
           WHERE id IN (SELECT id FROM timers WHERE due_at <= ? AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)
                        ORDER BY due_at LIMIT ?)
           RETURNING data`,
          [lease.owner, lease.until, now, Date.now(), lease.owner, limit],
        ),
      ).sort((a, b) => a.dueAt - b.dueAt),
    );
  }

  /**
   * Applies pending migrations. The applied versions are read inside the write transaction, so two
   * engines opening one new database at once cannot both run a migration.
   */
  private async migrate(): Promise<void> {
    await this.writer.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const applied = await this.writer.all<{ version: number }>('SELECT version FROM schema_migrations');
    refuseUnknownMigrations(`the SQLite database ${this.path}`, applied.map((row) => row.version), MIGRATIONS);
    for (const migration of MIGRATIONS) {
      await this.writer.exec('BEGIN IMMEDIATE');
      try {
        const applied = await this.writer.get('SELECT 1 FROM schema_migrations WHERE version = ?', [migration.version]);
        if (!applied) {
          await this.writer.exec(migration.sql);
          await this.writer.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [
            migration.version,
            new Date().toISOString(),
          ]);
        }
        await this.writer.exec('COMMIT');
      } catch (error) {
        await this.writer.exec('ROLLBACK');
        throw error;
      }
    }
  }

  async getRoom(id: string): Promise<Room | null> {
    return parse<Room>(await this.reader.get<DataRow>('SELECT data FROM rooms WHERE id = ?', [id]));
  }

  async listRooms(query: RoomQuery): Promise<Room[]> {
    const { sql, params } = roomListQuery(query);
    return parseAll<Room>(await this.reader.all<DataRow>(sql, params));
  }

  async getChannel(id: string): Promise<Channel | null> {
    return parse<Channel>(await this.reader.get<DataRow>('SELECT data FROM channels WHERE id = ?', [id]));
  }

  async listChannels(): Promise<Channel[]> {
    return parseAll<Channel>(await this.reader.all<DataRow>('SELECT data FROM channels ORDER BY id'));
  }

  async getBinding(id: string): Promise<Binding | null> {
    return parse<Binding>(await this.reader.get<DataRow>('SELECT data FROM bindings WHERE id = ?', [id]));
  }

  async listBindings(roomId: string): Promise<Binding[]> {
    return parseAll<Binding>(
      await this.reader.all<DataRow>('SELECT data FROM bindings WHERE room_id = ? ORDER BY rowid', [roomId]),
    );
  }

  async findOpenBindingsByAddress(channelType: string, address: string): Promise<Binding[]> {
    return parseAll<Binding>(
      await this.reader.all<DataRow>(
        `SELECT b.data FROM bindings b JOIN rooms r ON r.id = b.room_id
         WHERE b.channel_type = ? AND b.address = ? AND r.state IN ('active', 'paused')
         ORDER BY r.updated_at DESC`,
        [channelType, address],
      ),
    );
  }

  async getEvent(id: string): Promise<RoomEvent | null> {
    return parse<RoomEvent>(await this.reader.get<DataRow>('SELECT data FROM events WHERE id = ?', [id]));
  }

  async listEvents(roomId: string, query: EventQuery): Promise<RoomEvent[]> {
    const descending = query.descending === true;
    const from = query.fromIndex ?? (descending ? Number.MAX_SAFE_INTEGER : 0);
    const sql = descending
      ? 'SELECT data FROM events WHERE room_id = ? AND idx <= ? ORDER BY idx DESC LIMIT ?'
      : 'SELECT data FROM events WHERE room_id = ? AND idx >= ? ORDER BY idx ASC LIMIT ?';
    return parseAll<RoomEvent>(await this.reader.all<DataRow>(sql, [roomId, from, query.limit ?? 100]));
  }

  async findEventByIdempotencyKey(roomId: string, key: string): Promise<RoomEvent | null> {
    return parse<RoomEvent>(
      await this.reader.get<DataRow>('SELECT data FROM events WHERE room_id = ? AND idempotency_key = ?', [roomId, key]),
    );
  }

  async findEventByProviderMessageId(channelId: string, providerMessageId: string): Promise<RoomEvent | null> {
    return parse<RoomEvent>(
      await this.reader.get<DataRow>('SELECT data FROM events WHERE channel_id = ? AND provider_message_id = ?', [
        channelId,
        providerMessageId,
      ]),
    );
  }

  async listSideEffects(roomId: string, kind?: SideEffect['kind']): Promise<SideEffect[]> {
    const rows = kind
      ? await this.reader.all<DataRow>('SELECT data FROM side_effects WHERE room_id = ? AND kind = ? ORDER BY created_at, rowid', [
          roomId,
          kind,
        ])
      : await this.reader.all<DataRow>('SELECT data FROM side_effects WHERE room_id = ? ORDER BY created_at, rowid', [roomId]);
    return parseAll<SideEffect>(rows);
  }

  async getSideEffect(id: string): Promise<SideEffect | null> {
    return parse<SideEffect>(await this.reader.get<DataRow>('SELECT data FROM side_effects WHERE id = ?', [id]));
  }

  async getDelivery(id: string): Promise<Delivery | null> {
    return parse<Delivery>(await this.reader.get<DataRow>('SELECT data FROM deliveries WHERE id = ?', [id]));
  }

  async listDeliveriesForEvent(eventId: string): Promise<Delivery[]> {
    return parseAll<Delivery>(
      await this.reader.all<DataRow>('SELECT data FROM deliveries WHERE event_id = ? ORDER BY rowid', [eventId]),
    );
  }

  async findLatestDeliveryForBinding(bindingId: string): Promise<Delivery | null> {
    const { sql, params } = latestDeliveryToBindingQuery(DELIVERIES_THROUGH_EVENTS, bindingId);
    return parse<Delivery>(await this.reader.get<DataRow>(sql, params));
  }

  async findDeliveryByProviderMessageId(channelId: string, providerMessageId: string): Promise<Delivery | null> {
    return parse<Delivery>(
      await this.reader.get<DataRow>('SELECT data FROM deliveries WHERE channel_id = ? AND provider_message_id = ?', [
        channelId,
        providerMessageId,
      ]),
    );
  }

  async listRoomDeliveries(roomId: string, query: DeliveryQuery): Promise<Delivery[]> {
    const { sql, params } = roomDeliveriesQuery(DELIVERIES_THROUGH_EVENTS, roomId, query);
    return parseAll<Delivery>(await this.reader.all<DataRow>(sql, params));
  }

  async countRoomDeliveries(roomId: string, query: { bindingId?: string }): Promise<Partial<Record<DeliveryStatus, number>>> {
    const { sql, params } = roomDeliveryCountsQuery(DELIVERIES_THROUGH_EVENTS, roomId, query);
    const rows = await this.reader.all<{ status: DeliveryStatus; n: number }>(sql, params);
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  }

  /** On the writer, between two group commits: the check and the claim are one step. */
  claimIdempotencyKey(key: string, fingerprint: string, now: number, expiresAt: number): Promise<IdempotencyRecord | null> {
    return this.committer.exclusive(async () => {
      const claimed = await this.writer.run(
        `INSERT INTO api_idempotency (key, fingerprint, status, body, expires_at) VALUES (?, ?, NULL, NULL, ?)
         ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, status = NULL, body = NULL, expires_at = excluded.expires_at
         WHERE api_idempotency.expires_at <= ?`,
        [key, fingerprint, expiresAt, now],
      );
      if (claimed > 0) {
        if (now - this.idempotencyPurgedAt >= IDEMPOTENCY_PURGE_INTERVAL_MS) {
          this.idempotencyPurgedAt = now;
          await this.writer.run('DELETE FROM api_idempotency WHERE expires_at <= ?', [now]);
        }
        return null;
      }
      // Read in the same exclusive step as the failed claim: the row is there.
      return idempotencyRecord((await this.writer.get<IdempotencyRow>('SELECT fingerprint, status, body FROM api_idempotency WHERE key = ?', [key]))!);
    });
  }

  async completeIdempotencyKey(key: string, answer: { status: number; body: unknown }, expiresAt: number): Promise<void> {
    await this.committer.exclusive(() =>
      this.writer.run('UPDATE api_idempotency SET status = ?, body = ?, expires_at = ? WHERE key = ?', [answer.status, JSON.stringify(answer.body), expiresAt, key]),
    );
  }

  async releaseIdempotencyKey(key: string): Promise<void> {
    await this.committer.exclusive(() => this.writer.run('DELETE FROM api_idempotency WHERE key = ? AND status IS NULL', [key]));
  }

  async listHooks(): Promise<StoredHook[]> {
    return parseAll<StoredHook>(await this.reader.all<DataRow>('SELECT data FROM hooks ORDER BY rowid'));
  }

  async listDueTimers(now: number, limit: number): Promise<Timer[]> {
    return parseAll<Timer>(await this.reader.all<DataRow>('SELECT data FROM timers WHERE due_at <= ? ORDER BY due_at LIMIT ?', [now, limit]));
  }

  async nextTimerDueAt(): Promise<number | null> {
    // A timer another engine holds counts from when its lease lapses: no wake-up loop meanwhile.
    const row = await this.reader.get<{ due: number | null }>(
      'SELECT MIN(CASE WHEN lease_until > ? THEN MAX(due_at, lease_until) ELSE due_at END) AS due FROM timers',
      [Date.now()],
    );
    return row?.due ?? null;
  }

  async getTimer(id: string): Promise<Timer | null> {
    return parse<Timer>(await this.reader.get<DataRow>('SELECT data FROM timers WHERE id = ?', [id]));
  }

  async getIdentity(id: string): Promise<Identity | null> {
    return identityOf(await this.reader.get<DataRow>('SELECT data FROM identities WHERE id = ?', [id]));
  }

  async findIdentityByAddress(channelType: string, address: string): Promise<Identity | null> {
    return identityOf(
      await this.reader.get<DataRow>(
        `SELECT i.data FROM identity_addresses a JOIN identities i ON i.id = a.identity_id
         WHERE a.channel_type = ? AND a.address = ?`,
        [channelType, address],
      ),
    );
  }

  async findIdentityByExternalId(externalId: string): Promise<Identity | null> {
    return identityOf(
      await this.reader.get<DataRow>(
        `SELECT data FROM identities WHERE external_id = ?
         ORDER BY json_extract(data, '$.mergedInto') IS NOT NULL, rowid LIMIT 1`,
        [externalId],
      ),
    );
  }

  async listBindingsOfIdentity(identityId: string, query: { openRooms?: boolean } = {}): Promise<Binding[]> {
    const open = query.openRooms ? `AND r.state IN ('active', 'paused')` : '';
    return parseAll<Binding>(
      await this.reader.all<DataRow>(
        `${MERGED_INTO_CHAIN}
         SELECT b.data FROM bindings b JOIN rooms r ON r.id = b.room_id
         WHERE b.identity_id IN (SELECT id FROM chain) ${open}
         ORDER BY r.updated_at DESC, b.rowid`,
        [identityId],
      ),
    );
  }

  async listRoomsOfIdentity(identityId: string, query: { states?: RoomState[]; limit?: number } = {}): Promise<Room[]> {
    const states = query.states ?? [];
    const filter = states.length > 0 ? `AND r.state IN (${states.map(() => '?').join(', ')})` : '';
    return parseAll<Room>(
      await this.reader.all<DataRow>(
        `${MERGED_INTO_CHAIN}
         SELECT r.data FROM rooms r
         WHERE r.id IN (SELECT room_id FROM bindings WHERE identity_id IN (SELECT id FROM chain)) ${filter}
         ORDER BY r.updated_at DESC LIMIT ?`,
        [identityId, ...states, query.limit ?? 100],
      ),
    );
  }
}

function byRoomAndIndex(a: Delivery, b: Delivery): number {
  return a.roomId === b.roomId ? a.eventIndex - b.eventIndex : a.roomId < b.roomId ? -1 : 1;
}

/** The identity and every identity merged into it, at any depth (parameter: the identity id). */
const MERGED_INTO_CHAIN = `WITH RECURSIVE chain(id) AS (
  SELECT ? UNION SELECT i.id FROM identities i JOIN chain c ON json_extract(i.data, '$.mergedInto') = c.id
)`;

/** Identities stored before aliases existed read with an empty alias list. */
function identityOf(row: DataRow | undefined): Identity | null {
  const identity = parse<Identity>(row);
  return identity ? { ...identity, aliases: identity.aliases ?? [] } : null;
}
