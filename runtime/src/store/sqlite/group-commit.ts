// Group commit (DESIGN.md section 13): while one transaction is being written and synced, new
// write sets queue up; the next transaction takes all of them. Each caller's promise resolves
// only after the transaction that holds its writes has committed durably.
import { RoomwireError } from '../../errors';
import type { WriteSet } from '../store';
import type { Database } from './database';

interface Pending {
  writes: WriteSet;
  /** Checked just before the transaction: false refuses this write set (its inputs went stale). */
  isCurrent?: () => boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

type TableKey = Exclude<keyof WriteSet, 'deletedHookIds'>;

// Order matters only for readability of the transaction; there are no foreign keys to satisfy.
const UPSERTS: [TableKey, string][] = [
  [
    'rooms',
    `INSERT INTO rooms (id, state, tenant_id, latest_index, updated_at, data)
     SELECT value->>'id', value->>'state', value->>'tenantId', value->>'latestIndex', value->>'updatedAt', value FROM json_each(?) WHERE true
     ON CONFLICT(id) DO UPDATE SET state = excluded.state, tenant_id = excluded.tenant_id,
       latest_index = excluded.latest_index, updated_at = excluded.updated_at, data = excluded.data`,
  ],
  [
    'channels',
    `INSERT INTO channels (id, type, data) SELECT value->>'id', value->>'type', value FROM json_each(?) WHERE true
     ON CONFLICT(id) DO UPDATE SET type = excluded.type, data = excluded.data`,
  ],
  [
    'identities',
    `INSERT INTO identities (id, external_id, data) SELECT value->>'id', value->>'externalId', value FROM json_each(?) WHERE true
     ON CONFLICT(id) DO UPDATE SET external_id = excluded.external_id, data = excluded.data`,
  ],
  [
    'bindings',
    `INSERT INTO bindings (id, room_id, channel_id, channel_type, address, identity_id, state, data)
     SELECT value->>'id', value->>'roomId', value->>'channelId', value->>'channelType', value->>'address',
            value->>'identityId', value->>'state', value FROM json_each(?) WHERE true
     ON CONFLICT(id) DO UPDATE SET identity_id = excluded.identity_id, state = excluded.state, data = excluded.data`,
  ],
  [
    'events',
    `INSERT INTO events (id, room_id, idx, type, status, idempotency_key, channel_id, provider_message_id, created_at, data)
     SELECT value->>'id', value->>'roomId', value->>'index', value->>'type', value->>'status', value->>'idempotencyKey',
            value->>'$.source.channelId', value->>'$.source.providerMessageId', value->>'createdAt', value
     FROM json_each(?) WHERE true
     ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data`,
  ],
  [
    'sideEffects',
    `INSERT INTO side_effects (id, room_id, event_id, kind, created_at, data)
     SELECT value->>'id', value->>'roomId', value->>'eventId', value->>'kind', value->>'createdAt', value FROM json_each(?) WHERE true
     ON CONFLICT(id) DO UPDATE SET data = excluded.data`,
  ],
  [
    'deliveries',
    `INSERT INTO deliveries (id, event_id, room_id, binding_id, channel_id, status, provider_message_id, updated_at, data)
     SELECT value->>'id', value->>'eventId', value->>'roomId', value->>'bindingId', value->>'channelId', value->>'status',
            value->>'providerMessageId', value->>'updatedAt', value FROM json_each(?) WHERE true
     ON CONFLICT(id) DO UPDATE SET status = excluded.status, provider_message_id = excluded.provider_message_id,
       updated_at = excluded.updated_at, data = excluded.data`,
  ],
  [
    'hooks',
    `INSERT INTO hooks (id, room_id, data) SELECT value->>'id', value->>'roomId', value FROM json_each(?) WHERE true
     ON CONFLICT(id) DO UPDATE SET room_id = excluded.room_id, data = excluded.data`,
  ],
];

// An identity owns its addresses: rewrite its rows whenever the identity is written.
const CLEAR_IDENTITY_ADDRESSES = `DELETE FROM identity_addresses WHERE identity_id IN (SELECT value->>'id' FROM json_each(?))`;
const WRITE_IDENTITY_ADDRESSES = `INSERT INTO identity_addresses (channel_type, address, identity_id)
  SELECT a.value->>'channelType', a.value->>'address', i.value->>'id'
  FROM json_each(?) AS i, json_each(i.value, '$.addresses') AS a WHERE i.value->>'mergedInto' IS NULL
  ON CONFLICT(channel_type, address) DO UPDATE SET identity_id = excluded.identity_id`;
const DELETE_HOOKS = `DELETE FROM hooks WHERE id IN (SELECT value FROM json_each(?))`;

export class GroupCommitter {
  private queue: Pending[] = [];
  private draining = false;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly maxBatch = 4000,
  ) {}

  commit(writes: WriteSet, isCurrent?: () => boolean): Promise<void> {
    if (this.closed) return Promise.reject(new RoomwireError('internal', 'the store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ writes, isCurrent, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** Waits for everything queued so far, then refuses new writes. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining || this.queue.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch).filter((pending) => {
          if (!pending.isCurrent || pending.isCurrent()) return true;
          pending.reject(new RoomwireError('conflict', 'the room changed under this write after a failed commit; retry'));
          return false;
        });
        if (batch.length === 0) continue;
        try {
          await this.writeTransaction(batch.map((pending) => pending.writes));
          for (const pending of batch) pending.resolve();
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async writeTransaction(sets: WriteSet[]): Promise<void> {
    await this.db.run('BEGIN IMMEDIATE');
    try {
      for (const [key, sql] of UPSERTS) {
        const rows = sets.flatMap((set) => (set[key] ?? []) as unknown[]);
        if (rows.length === 0) continue;
        const json = JSON.stringify(rows);
        if (key === 'identities') await this.db.run(CLEAR_IDENTITY_ADDRESSES, [json]);
        await this.db.run(sql, [json]);
        if (key === 'identities') await this.db.run(WRITE_IDENTITY_ADDRESSES, [json]);
      }
      const deletedHooks = sets.flatMap((set) => set.deletedHookIds ?? []);
      if (deletedHooks.length > 0) await this.db.run(DELETE_HOOKS, [JSON.stringify(deletedHooks)]);
      await this.db.run('COMMIT');
    } catch (error) {
      await this.db.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}
