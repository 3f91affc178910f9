// Versioned schema for PostgreSQL: the same tables, columns and constraints as the SQLite store
// (its migrations 1-5 in one), plus what several engines need: `seq` for insertion order (SQLite's
// rowid) and the change feed's overflow table. Append a migration, never edit one that has shipped.
import type { Migration } from '../sqlite/migrations';

export const PG_MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'rooms, channels, bindings, identities, events, side effects, deliveries, hooks, timers, change feed payloads',
    sql: `
      CREATE TABLE rooms (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        tenant_id TEXT,
        latest_index INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX rooms_by_state_updated ON rooms(state, updated_at);

      CREATE TABLE channels (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        data TEXT NOT NULL
      );

      CREATE TABLE bindings (
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        channel_type TEXT NOT NULL,
        address TEXT NOT NULL,
        identity_id TEXT,
        state TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX bindings_by_room ON bindings(room_id, seq);
      CREATE INDEX bindings_by_address ON bindings(channel_type, address);
      CREATE INDEX bindings_by_identity ON bindings(identity_id);

      CREATE TABLE identities (
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        id TEXT PRIMARY KEY,
        external_id TEXT,
        merged_into TEXT,
        data TEXT NOT NULL
      );
      CREATE INDEX identities_by_external_id ON identities(external_id);
      CREATE INDEX identities_by_merged_into ON identities(merged_into);
      CREATE TABLE identity_addresses (
        channel_type TEXT NOT NULL,
        address TEXT NOT NULL,
        identity_id TEXT NOT NULL,
        PRIMARY KEY (channel_type, address)
      );
      CREATE INDEX identity_addresses_by_identity ON identity_addresses(identity_id);

      CREATE TABLE events (
        id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        idx INTEGER NOT NULL,
        type TEXT NOT NULL,
        status TEXT NOT NULL,
        idempotency_key TEXT,
        channel_id TEXT,
        provider_message_id TEXT,
        created_at TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE UNIQUE INDEX events_by_room_index ON events(room_id, idx);
      CREATE UNIQUE INDEX events_by_idempotency_key ON events(room_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE UNIQUE INDEX events_by_provider_message ON events(channel_id, provider_message_id) WHERE provider_message_id IS NOT NULL;

      CREATE TABLE side_effects (
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        event_id TEXT,
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX side_effects_by_room ON side_effects(room_id, kind, created_at);

      CREATE TABLE deliveries (
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL,
        room_id TEXT NOT NULL,
        event_index INTEGER,
        binding_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        status TEXT NOT NULL,
        provider_message_id TEXT,
        updated_at TEXT NOT NULL,
        lease_owner TEXT,
        lease_until BIGINT,
        data TEXT NOT NULL
      );
      CREATE INDEX deliveries_by_event ON deliveries(event_id);
      CREATE INDEX deliveries_pending ON deliveries(status, updated_at) WHERE status IN ('queued', 'sent');
      CREATE INDEX deliveries_queued ON deliveries(room_id, event_index) WHERE status = 'queued';
      CREATE INDEX deliveries_by_provider_message ON deliveries(channel_id, provider_message_id) WHERE provider_message_id IS NOT NULL;
      CREATE INDEX deliveries_by_binding ON deliveries(binding_id, seq);

      CREATE TABLE hooks (
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        id TEXT PRIMARY KEY,
        room_id TEXT,
        data TEXT NOT NULL
      );

      CREATE TABLE timers (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        room_id TEXT NOT NULL,
        due_at BIGINT NOT NULL,
        lease_owner TEXT,
        lease_until BIGINT,
        data TEXT NOT NULL
      );
      CREATE INDEX timers_by_due ON timers(due_at);

      CREATE TABLE change_payloads (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        payload TEXT NOT NULL
      );
      CREATE INDEX change_payloads_by_time ON change_payloads(created_at);
    `,
  },
  {
    version: 2,
    description: 'agent inbox sessions, by the hash of their id',
    sql: `
      CREATE TABLE agent_sessions (
        scope TEXT NOT NULL,
        id_hash TEXT NOT NULL,
        user_name TEXT NOT NULL,
        csrf TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (scope, id_hash)
      );
      CREATE INDEX agent_sessions_by_expiry ON agent_sessions(expires_at);
    `,
  },
  {
    version: 3,
    description: 'API idempotency keys kept in the store (retries on any engine get the first answer); deliveries by room for the room delivery list; rooms in list order (updated_at, id)',
    sql: `
      CREATE TABLE api_idempotency (
        key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        status INTEGER,
        body TEXT,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX api_idempotency_by_expiry ON api_idempotency(expires_at);
      CREATE INDEX deliveries_by_room ON deliveries(room_id, event_index, id);
      CREATE INDEX rooms_by_updated_id ON rooms(updated_at, id);
    `,
  },
  {
    version: 4,
    description: 'every change feed notice logged with its origin, so a listener that lost its connection catches up',
    sql: `ALTER TABLE change_payloads ADD COLUMN origin TEXT NOT NULL DEFAULT ''`,
  },
  {
    version: 5,
    description: 'no index of deliveries by status: no query reads it, and every delivery paid to enter and leave it',
    sql: `DROP INDEX IF EXISTS deliveries_pending`,
  },
  {
    version: 6,
    description: 'one fallback step per delivery: the store refuses a second delivery falling back from the same one',
    sql: `
      ALTER TABLE deliveries ADD COLUMN fallback_of TEXT;
      UPDATE deliveries SET fallback_of = data::jsonb ->> 'fallbackOf';
      CREATE UNIQUE INDEX deliveries_by_fallback_of ON deliveries(fallback_of) WHERE fallback_of IS NOT NULL;
    `,
  },
  {
    version: 7,
    description: 'a version per room, moved by every write of the room: the compare-and-set that protects changes adding no event (a read horizon, metadata)',
    sql: `
      ALTER TABLE rooms ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
      UPDATE rooms SET data = (data::jsonb || '{"version": 0}')::text;
    `,
  },
  {
    version: 8,
    description: "no index of deliveries by binding: a participant's latest delivery is found through its room's latest events (deliveries_by_room), and no other query reads it",
    sql: `DROP INDEX IF EXISTS deliveries_by_binding`,
  },
];
