// PostgreSQL implementation of the Store, for several engines on one database: a pool for reads
// and claims, one writer connection per engine running the group commit, one connection listening
// to the change feed. `synchronous_commit` stays at its safe default: a resolved commit is durable.
import { Client, Pool, type ClientConfig } from 'pg';
import { randomBytes } from 'node:crypto';
import type { Binding, Channel, Delivery, DeliveryStatus, Identity, Room, RoomEvent, RoomState, SideEffect } from '../../model';
import type { StoredHook } from '../../hooks/types';
import type { Timer } from '../../timers/types';
import { RoomwireError } from '../../errors';
import { GroupCommitter } from '../group-commit';
import { AGENT_SESSION_COLUMNS, sessionOf, type SessionRow } from '../agent-sessions';
import type { AgentSessionRecord, DeliveryQuery, EventQuery, IdempotencyRecord, Lease, RoomQuery, Store, WriteSet } from '../store';
import { PostgresChangeFeed } from './change-feed';
import { LOG_RETENTION_MS } from './change-log-times';
import { IDEMPOTENCY_PURGE_INTERVAL_MS, idempotencyRecord, type IdempotencyRow } from '../idempotency-rows';
import { DELIVERIES_BY_ROOM, latestDeliveryToBindingQuery, roomDeliveriesQuery, roomDeliveryCountsQuery } from '../room-deliveries';
import { roomListQuery } from '../room-list';
import { PG_MIGRATIONS } from './migrations';
import { refuseUnknownMigrations } from '../schema-version';
import { connectionConfig } from './connection';
import { refuseNewerSchema } from './newer-schema';
import { postgresBatch } from './write-sets';

export interface PostgresStoreOptions {
  /** `postgres://user@host:5432/db`. */
  connectionString: string;
  /** Connections for reads and claims (the writer and the listener have their own); default 10. */
  poolSize?: number;
  /** A schema of its own (created if missing), e.g. one per test file; default: the search path. */
  schema?: string;
  /** Errors of the background connections (the change feed), which have no caller to reject. */
  onError?: (error: unknown) => void;
}

interface DataRow {
  data: string;
}

const MIGRATION_LOCK = 7_312_014;
const LOG_PRUNE_EVERY_MS = 5 * 60_000;

function parse<T>(row: DataRow | undefined): T | null {
  return row ? (JSON.parse(row.data) as T) : null;
}

function parseAll<T>(rows: DataRow[]): T[] {
  return rows.map((row) => JSON.parse(row.data) as T);
}

/** Placeholders written `?` (as for SQLite) numbered for PostgreSQL. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export function isSafeSchemaName(schema: string): boolean {
  return /^[a-z_][a-z0-9_]{0,62}$/.test(schema);
}

export class PostgresStore implements Store {
  readonly path: string;
  private pool!: Pool;
  private writer!: Client;
  private committer!: GroupCommitter;
  private feed!: PostgresChangeFeed;
  private pruning: NodeJS.Timeout | undefined;
  private readonly config: ClientConfig;
  /** When expired idempotency records were last deleted (the caller's clock). */
  private idempotencyPurgedAt = -Infinity;

  constructor(private readonly options: PostgresStoreOptions) {
    if (options.schema !== undefined && !isSafeSchemaName(options.schema)) {
      throw new RoomwireError('invalid_input', 'must be lower-case letters, digits and underscores', 'schema');
    }
    const url = new URL(options.connectionString);
    url.password = '';
    this.path = url.toString() + (options.schema ? `#${options.schema}` : '');
    this.config = connectionConfig(options.connectionString, options.schema);
  }

  /** This database in errors. */
  private get database(): string {
    return `the PostgreSQL database ${this.path}`;
  }

  get changes(): PostgresChangeFeed {
    return this.feed;
  }

  async open(): Promise<void> {
    if (this.options.schema) {
      const admin = new Client(connectionConfig(this.options.connectionString));
      await admin.connect();
      try {
        await admin.query(`CREATE SCHEMA IF NOT EXISTS ${this.options.schema}`);
      } finally {
        await admin.end();
      }
    }
    this.pool = new Pool({ ...this.config, max: this.options.poolSize ?? 10 });
    const onError = this.options.onError ?? (() => undefined);
    this.pool.on('error', onError);
    this.writer = new Client(this.config);
    try {
      await this.writer.connect();
      this.writer.on('error', onError);
      await this.migrate();
    } catch (error) {
      // Refused or failed: no connection is left open to keep the process alive.
      await this.writer.end().catch(() => undefined);
      await this.pool.end().catch(() => undefined);
      throw error;
    }
    const channel = `roomwire_changes${this.options.schema ? `_${this.options.schema}` : ''}`.slice(0, 63);
    const origin = randomBytes(8).toString('hex');
    this.feed = new PostgresChangeFeed(this.config, this.pool, channel, origin, onError);
    await this.feed.start();
    this.committer = new GroupCommitter(postgresBatch(this.writer, { channel, origin }, this.database), 2000);
    await this.pruneLog();
    this.pruning = setInterval(() => void this.pruneLog().catch(onError), LOG_PRUNE_EVERY_MS).unref();
  }

  private async pruneLog(): Promise<void> {
    // A listener away longer than this resyncs instead of catching up (change-log-times.ts).
    await this.pool.query('DELETE FROM change_payloads WHERE created_at < now() - make_interval(secs => $1)', [LOG_RETENTION_MS / 1000]);
  }

  /** Migrations run under an advisory lock, so engines starting together apply each once. */
  private async migrate(): Promise<void> {
    await this.writer.query('BEGIN');
    try {
      await this.writer.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await this.writer.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      const applied = new Set((await this.writer.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      refuseUnknownMigrations(this.database, [...applied], PG_MIGRATIONS);
      for (const migration of PG_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await this.writer.query(migration.sql);
        await this.writer.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [migration.version, new Date().toISOString()]);
      }
      await this.writer.query('COMMIT');
    } catch (error) {
      await this.writer.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.pruning);
    await this.committer?.close();
    await this.feed?.close();
    await this.writer?.end().catch(() => undefined);
    await this.pool?.end().catch(() => undefined);
  }

  commit(writes: WriteSet): Promise<void> {
    return this.committer.commit(writes);
  }

  async claimDeliveries(lease: Lease, limit: number): Promise<Delivery[]> {
    await refuseNewerSchema(this.pool, this.database);
    const rows = await this.all(
      `UPDATE deliveries SET lease_owner = ?, lease_until = ?
       WHERE id IN (SELECT id FROM deliveries WHERE status = 'queued' AND (lease_until IS NULL OR lease_until < ?)
                    ORDER BY room_id, event_index LIMIT ? FOR UPDATE SKIP LOCKED)
       RETURNING data`,
      [lease.owner, lease.until, Date.now(), limit],
    );
    return parseAll<Delivery>(rows).sort((a, b) => (a.roomId === b.roomId ? a.eventIndex - b.eventIndex : a.roomId < b.roomId ? -1 : 1));
  }

  async renewDeliveryLeases(lease: Lease): Promise<void> {
    // A release (a lease already over) is let through: it hands the rows to instances that can write.
    if (lease.until > Date.now()) await refuseNewerSchema(this.pool, this.database);
    // Rows a commit is writing right now are skipped: they are renewed next time, or leave `queued`.
    await this.pool.query(
      numbered(`UPDATE deliveries SET lease_until = ?
       WHERE id IN (SELECT id FROM deliveries WHERE lease_owner = ? AND status = 'queued' ORDER BY id FOR UPDATE SKIP LOCKED)`),
      [lease.until, lease.owner],
    );
  }

  async claimDueTimers(now: number, lease: Lease, limit: number): Promise<Timer[]> {
    await refuseNewerSchema(this.pool, this.database);
    const rows = await this.all(
      `UPDATE timers SET lease_owner = ?, lease_until = ?
       WHERE id IN (SELECT id FROM timers WHERE due_at <= ? AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)
                    ORDER BY due_at LIMIT ? FOR UPDATE SKIP LOCKED)
       RETURNING data`,
      [lease.owner, lease.until, now, Date.now(), lease.owner, limit],
    );
    return parseAll<Timer>(rows).sort((a, b) => a.dueAt - b.dueAt);
  }

  async putAgentSession(session: AgentSessionRecord): Promise<void> {
    await this.pool.query(
      numbered(`INSERT INTO agent_sessions (scope, id_hash, user_name, csrf, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (scope, id_hash) DO UPDATE SET user_name = EXCLUDED.user_name, csrf = EXCLUDED.csrf, expires_at = EXCLUDED.expires_at`),
      [session.scope, session.idHash, session.user, session.csrf, session.expiresAt],
    );
  }

  async getAgentSession(scope: string, idHash: string, now: number): Promise<AgentSessionRecord | null> {
    const { rows } = await this.pool.query<SessionRow>(
      numbered(`SELECT ${AGENT_SESSION_COLUMNS} FROM agent_sessions WHERE scope = ? AND id_hash = ? AND expires_at > ?`),
      [scope, idHash, now],
    );
    return rows[0] ? sessionOf(rows[0]) : null;
  }

  async deleteAgentSession(scope: string, idHash: string): Promise<void> {
    await this.pool.query(numbered('DELETE FROM agent_sessions WHERE scope = ? AND id_hash = ?'), [scope, idHash]);
  }

  async deleteExpiredAgentSessions(now: number): Promise<number> {
    return (await this.pool.query(numbered('DELETE FROM agent_sessions WHERE expires_at <= ?'), [now])).rowCount ?? 0;
  }

  private async all(sql: string, params: unknown[] = []): Promise<DataRow[]> {
    return (await this.pool.query<DataRow>(numbered(sql), params)).rows;
  }

  private async one(sql: string, params: unknown[] = []): Promise<DataRow | undefined> {
    return (await this.all(sql, params))[0];
  }

  async getRoom(id: string): Promise<Room | null> {
    return parse<Room>(await this.one('SELECT data FROM rooms WHERE id = ?', [id]));
  }

  async listRooms(query: RoomQuery): Promise<Room[]> {
    const { sql, params } = roomListQuery(query);
    return parseAll<Room>(await this.all(sql, params));
  }

  async getChannel(id: string): Promise<Channel | null> {
    return parse<Channel>(await this.one('SELECT data FROM channels WHERE id = ?', [id]));
  }

  async listChannels(): Promise<Channel[]> {
    return parseAll<Channel>(await this.all('SELECT data FROM channels ORDER BY id'));
  }

  async getBinding(id: string): Promise<Binding | null> {
    return parse<Binding>(await this.one('SELECT data FROM bindings WHERE id = ?', [id]));
  }

  async listBindings(roomId: string): Promise<Binding[]> {
    return parseAll<Binding>(await this.all('SELECT data FROM bindings WHERE room_id = ? ORDER BY seq', [roomId]));
  }

  async findOpenBindingsByAddress(channelType: string, address: string): Promise<Binding[]> {
    return parseAll<Binding>(
      await this.all(
        `SELECT b.data FROM bindings b JOIN rooms r ON r.id = b.room_id
         WHERE b.channel_type = ? AND b.address = ? AND r.state IN ('active', 'paused')
         ORDER BY r.updated_at DESC`,
        [channelType, address],
      ),
    );
  }

  async getEvent(id: string): Promise<RoomEvent | null> {
    return parse<RoomEvent>(await this.one('SELECT data FROM events WHERE id = ?', [id]));
  }

  async listEvents(roomId: string, query: EventQuery): Promise<RoomEvent[]> {
    const descending = query.descending === true;
    const from = query.fromIndex ?? (descending ? 2 ** 31 - 1 : 0);
    const sql = descending
      ? 'SELECT data FROM events WHERE room_id = ? AND idx <= ? ORDER BY idx DESC LIMIT ?'
      : 'SELECT data FROM events WHERE room_id = ? AND idx >= ? ORDER BY idx ASC LIMIT ?';
    return parseAll<RoomEvent>(await this.all(sql, [roomId, Math.min(from, 2 ** 31 - 1), query.limit ?? 100]));
  }

  async findEventByIdempotencyKey(roomId: string, key: string): Promise<RoomEvent | null> {
    return parse<RoomEvent>(await this.one('SELECT data FROM events WHERE room_id = ? AND idempotency_key = ?', [roomId, key]));
  }

  async findEventByProviderMessageId(channelId: string, providerMessageId: string): Promise<RoomEvent | null> {
    return parse<RoomEvent>(await this.one('SELECT data FROM events WHERE channel_id = ? AND provider_message_id = ?', [channelId, providerMessageId]));
  }

  async listSideEffects(roomId: string, kind?: SideEffect['kind']): Promise<SideEffect[]> {
    const rows = kind
      ? await this.all('SELECT data FROM side_effects WHERE room_id = ? AND kind = ? ORDER BY created_at, seq', [roomId, kind])
      : await this.all('SELECT data FROM side_effects WHERE room_id = ? ORDER BY created_at, seq', [roomId]);
    return parseAll<SideEffect>(rows);
  }

  async getSideEffect(id: string): Promise<SideEffect | null> {
    return parse<SideEffect>(await this.one('SELECT data FROM side_effects WHERE id = ?', [id]));
  }

  async getDelivery(id: string): Promise<Delivery | null> {
    return parse<Delivery>(await this.one('SELECT data FROM deliveries WHERE id = ?', [id]));
  }

  async listDeliveriesForEvent(eventId: string): Promise<Delivery[]> {
    return parseAll<Delivery>(await this.all('SELECT data FROM deliveries WHERE event_id = ? ORDER BY seq', [eventId]));
  }

  async findLatestDeliveryForBinding(bindingId: string): Promise<Delivery | null> {
    const { sql, params } = latestDeliveryToBindingQuery(DELIVERIES_BY_ROOM, bindingId);
    return parse<Delivery>(await this.one(sql, params));
  }

  async findDeliveryByProviderMessageId(channelId: string, providerMessageId: string): Promise<Delivery | null> {
    return parse<Delivery>(await this.one('SELECT data FROM deliveries WHERE channel_id = ? AND provider_message_id = ?', [channelId, providerMessageId]));
  }

  async listRoomDeliveries(roomId: string, query: DeliveryQuery): Promise<Delivery[]> {
    const { sql, params } = roomDeliveriesQuery(DELIVERIES_BY_ROOM, roomId, query);
    return parseAll<Delivery>(await this.all(sql, params));
  }

  async countRoomDeliveries(roomId: string, query: { bindingId?: string }): Promise<Partial<Record<DeliveryStatus, number>>> {
    const { sql, params } = roomDeliveryCountsQuery(DELIVERIES_BY_ROOM, roomId, query);
    const { rows } = await this.pool.query<{ status: DeliveryStatus; n: string }>(numbered(sql), params);
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  }

  /** One statement claims (a new key, or one whose record expired); the row lock orders engines racing for a key. */
  async claimIdempotencyKey(key: string, fingerprint: string, now: number, expiresAt: number): Promise<IdempotencyRecord | null> {
    for (;;) {
      const claimed = await this.pool.query(
        `INSERT INTO api_idempotency (key, fingerprint, status, body, expires_at) VALUES ($1, $2, NULL, NULL, $3)
         ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, status = NULL, body = NULL, expires_at = excluded.expires_at
         WHERE api_idempotency.expires_at <= $4
         RETURNING key`,
        [key, fingerprint, expiresAt, now],
      );
      if (claimed.rowCount) {
        if (now - this.idempotencyPurgedAt >= IDEMPOTENCY_PURGE_INTERVAL_MS) {
          this.idempotencyPurgedAt = now;
          await this.pool.query('DELETE FROM api_idempotency WHERE expires_at <= $1', [now]);
        }
        return null;
      }
      const { rows } = await this.pool.query<IdempotencyRow>('SELECT fingerprint, status, body FROM api_idempotency WHERE key = $1', [key]);
      // Released between the two statements: claim again.
      if (rows[0]) return idempotencyRecord(rows[0]);
    }
  }

  async completeIdempotencyKey(key: string, answer: { status: number; body: unknown }, expiresAt: number): Promise<void> {
    await this.pool.query('UPDATE api_idempotency SET status = $1, body = $2, expires_at = $3 WHERE key = $4', [answer.status, JSON.stringify(answer.body), expiresAt, key]);
  }

  async releaseIdempotencyKey(key: string): Promise<void> {
    await this.pool.query('DELETE FROM api_idempotency WHERE key = $1 AND status IS NULL', [key]);
  }

  async listHooks(): Promise<StoredHook[]> {
    return parseAll<StoredHook>(await this.all('SELECT data FROM hooks ORDER BY seq'));
  }

  async listDueTimers(now: number, limit: number): Promise<Timer[]> {
    return parseAll<Timer>(await this.all('SELECT data FROM timers WHERE due_at <= ? ORDER BY due_at LIMIT ?', [now, limit]));
  }

  async nextTimerDueAt(): Promise<number | null> {
    // A timer another engine holds counts from when its lease lapses: no wake-up loop meanwhile.
    const { rows } = await this.pool.query<{ due: string | null }>(
      'SELECT MIN(CASE WHEN lease_until > $1 THEN GREATEST(due_at, lease_until) ELSE due_at END) AS due FROM timers',
      [Date.now()],
    );
    return rows[0]?.due == null ? null : Number(rows[0].due);
  }

  async getTimer(id: string): Promise<Timer | null> {
    return parse<Timer>(await this.one('SELECT data FROM timers WHERE id = ?', [id]));
  }

  async getIdentity(id: string): Promise<Identity | null> {
    return identityOf(await this.one('SELECT data FROM identities WHERE id = ?', [id]));
  }

  async findIdentityByAddress(channelType: string, address: string): Promise<Identity | null> {
    return identityOf(
      await this.one(
        `SELECT i.data FROM identity_addresses a JOIN identities i ON i.id = a.identity_id
         WHERE a.channel_type = ? AND a.address = ?`,
        [channelType, address],
      ),
    );
  }

  async findIdentityByExternalId(externalId: string): Promise<Identity | null> {
    return identityOf(await this.one('SELECT data FROM identities WHERE external_id = ? ORDER BY merged_into IS NOT NULL, seq LIMIT 1', [externalId]));
  }

  async listBindingsOfIdentity(identityId: string, query: { openRooms?: boolean } = {}): Promise<Binding[]> {
    const open = query.openRooms ? `AND r.state IN ('active', 'paused')` : '';
    return parseAll<Binding>(
      await this.all(
        `${MERGED_INTO_CHAIN}
         SELECT b.data FROM bindings b JOIN rooms r ON r.id = b.room_id
         WHERE b.identity_id IN (SELECT id FROM chain) ${open}
         ORDER BY r.updated_at DESC, b.seq`,
        [identityId],
      ),
    );
  }

  async listRoomsOfIdentity(identityId: string, query: { states?: RoomState[]; limit?: number } = {}): Promise<Room[]> {
    const states = query.states ?? [];
    const filter = states.length > 0 ? `AND r.state IN (${states.map(() => '?').join(', ')})` : '';
    return parseAll<Room>(
      await this.all(
        `${MERGED_INTO_CHAIN}
         SELECT r.data FROM rooms r
         WHERE r.id IN (SELECT room_id FROM bindings WHERE identity_id IN (SELECT id FROM chain)) ${filter}
         ORDER BY r.updated_at DESC LIMIT ?`,
        [identityId, ...states, query.limit ?? 100],
      ),
    );
  }
}

/** The identity and every identity merged into it, at any depth (parameter: the identity id). */
const MERGED_INTO_CHAIN = `WITH RECURSIVE chain(id) AS (
  SELECT ?::text UNION SELECT i.id FROM identities i JOIN chain c ON i.merged_into = c.id
)`;

/** Identities stored before aliases existed read with an empty alias list. */
function identityOf(row: DataRow | undefined): Identity | null {
  const identity = parse<Identity>(row);
  return identity ? { ...identity, aliases: identity.aliases ?? [] } : null;
}
