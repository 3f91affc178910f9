// Versioned schema. Append a migration, never edit one that has shipped: databases in the field
// have already applied it. Each record's full JSON lives in `data`; columns hold what is indexed.

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'rooms, channels, bindings, identities, events, side effects, deliveries, hooks',
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
        id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        channel_type TEXT NOT NULL,
        address TEXT NOT NULL,
        identity_id TEXT,
        state TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX bindings_by_room ON bindings(room_id);
      CREATE INDEX bindings_by_address ON bindings(channel_type, address);
      CREATE INDEX bindings_by_identity ON bindings(identity_id);

      CREATE TABLE identities (
        id TEXT PRIMARY KEY,
        external_id TEXT,
        data TEXT NOT NULL
      );
      CREATE INDEX identities_by_external_id ON identities(external_id);
      CREATE TABLE identity_addresses (
        channel_type TEXT NOT NULL,
        address TEXT NOT NULL,
        identity_id TEXT NOT NULL,
        PRIMARY KEY (channel_type, address)
      );

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
        id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        event_id TEXT,
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX side_effects_by_room ON side_effects(room_id, kind, created_at);

      CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL,
        room_id TEXT NOT NULL,
        binding_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        status TEXT NOT NULL,
        provider_message_id TEXT,
        updated_at TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX deliveries_by_event ON deliveries(event_id);
      CREATE INDEX deliveries_pending ON deliveries(status, updated_at) WHERE status IN ('queued', 'sent');
      CREATE INDEX deliveries_by_provider_message ON deliveries(channel_id, provider_message_id) WHERE provider_message_id IS NOT NULL;

      CREATE TABLE hooks (
        id TEXT PRIMARY KEY,
        room_id TEXT,
        data TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'identities: addresses by identity (rewrites), merged identities by destination (merge chains)',
    sql: `
      CREATE INDEX identity_addresses_by_identity ON identity_addresses(identity_id);
      CREATE INDEX identities_by_merged_into ON identities(json_extract(data, '$.mergedInto'));
    `,
  },
  {
    version: 3,
    description: 'durable timers (room lifecycle, fallback after a delay); deliveries by binding (reply matching)',
    sql: `
      CREATE TABLE timers (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        room_id TEXT NOT NULL,
        due_at INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX timers_by_due ON timers(due_at);
      CREATE INDEX deliveries_by_binding ON deliveries(binding_id);
    `,
  },
  {
    version: 4,
    description: 'bindings that left before leftAtIndex was recorded: their history ends at the last event before they left',
    sql: `
      UPDATE bindings SET data = json_set(data, '$.leftAtIndex', COALESCE(
        (SELECT MAX(e.idx) FROM events e WHERE e.room_id = bindings.room_id AND e.created_at < json_extract(bindings.data, '$.updatedAt')),
        -1))
      WHERE state = 'left' AND json_extract(data, '$.leftAtIndex') IS NULL;
    `,
  },
  {
    version: 5,
    description: 'several engines on one database: delivery and timer leases, deliveries by room and index, merged identities as a column',
    sql: `
      ALTER TABLE deliveries ADD COLUMN event_index INTEGER;
      UPDATE deliveries SET event_index = json_extract(data, '$.eventIndex');
      ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
      ALTER TABLE deliveries ADD COLUMN lease_until INTEGER;
      CREATE INDEX deliveries_queued ON deliveries(room_id, event_index) WHERE status = 'queued';
      ALTER TABLE timers ADD COLUMN lease_owner TEXT;
      ALTER TABLE timers ADD COLUMN lease_until INTEGER;
      ALTER TABLE identities ADD COLUMN merged_into TEXT;
      UPDATE identities SET merged_into = json_extract(data, '$.mergedInto');
    `,
  },
  {
    version: 6,
    description: 'agent inbox sessions, by the hash of their id',
    sql: `
      CREATE TABLE agent_sessions (
        scope TEXT NOT NULL,
        id_hash TEXT NOT NULL,
        user_name TEXT NOT NULL,
        csrf TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (scope, id_hash)
      );
      CREATE INDEX agent_sessions_by_expiry ON agent_sessions(expires_at);
    `,
  },
  {
    version: 7,
    description: 'API idempotency keys kept in the store (retries after a restart get the first answer); deliveries by room for the room delivery list; rooms in list order (updated_at, id)',
    sql: `
      CREATE TABLE api_idempotency (
        key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        status INTEGER,
        body TEXT,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX api_idempotency_by_expiry ON api_idempotency(expires_at);
      CREATE INDEX deliveries_by_room ON deliveries(room_id, event_index, id);
      CREATE INDEX rooms_by_updated_id ON rooms(updated_at, id);
    `,
  },
  {
    version: 8,
    description: 'no index of deliveries by status: no query reads it, and every delivery paid to enter and leave it',
    sql: `DROP INDEX IF EXISTS deliveries_pending`,
  },
  {
    version: 9,
    description: 'one fallback step per delivery: the store refuses a second delivery falling back from the same one',
    sql: `
      ALTER TABLE deliveries ADD COLUMN fallback_of TEXT;
      UPDATE deliveries SET fallback_of = json_extract(data, '$.fallbackOf');
      CREATE UNIQUE INDEX deliveries_by_fallback_of ON deliveries(fallback_of) WHERE fallback_of IS NOT NULL;
    `,
  },
  {
    version: 10,
    description: 'a version per room, moved by every write of the room: the compare-and-set that protects changes adding no event (a read horizon, metadata)',
    sql: `
      ALTER TABLE rooms ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
      UPDATE rooms SET data = json_set(data, '$.version', 0);
    `,
  },
  {
    version: 11,
    description: "no index of deliveries by room: a room's deliveries are found through its events (events_by_room_index, then deliveries_by_event), and every delivery paid an insert at its room's place in a second index",
    sql: `DROP INDEX IF EXISTS deliveries_by_room`,
  },
  {
    version: 12,
    description: "no index of deliveries by binding: a participant's latest delivery is found through its room's latest events, and with many rooms every delivery paid an insert at its binding's place, a page written per binding in every transaction",
    sql: `DROP INDEX IF EXISTS deliveries_by_binding`,
  },
];
