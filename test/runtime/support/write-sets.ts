// Write sets shaped like the engine's, for tests of the group commit on a real SQLite file: a
// message is its room row, its event and two queued deliveries; a status update is one delivery row.
import { join } from 'node:path';
import { vi } from 'vitest';
import type { Binding, Delivery, DeliveryStatus, Room, RoomEvent } from '../../../runtime/src';
import type { WriteSet } from '../../../runtime/src/store/store';
import { Database, OPEN_READ_ONLY, OPEN_READ_WRITE } from '../../../runtime/src/store/sqlite/database';
import { GroupCommitter } from '../../../runtime/src/store/group-commit';
import { sqliteBatch } from '../../../runtime/src/store/sqlite/write-sets';
import { MIGRATIONS } from '../../../runtime/src/store/sqlite/migrations';
import { tempDir } from './engine';

const NOW = '2025-01-01T00:00:00.000Z';

export interface OpenCommitter {
  committer: GroupCommitter;
  reader: Database;
  /** Transactions begun on the writer so far (the connection's `run` is observed, not replaced). */
  begins(): number;
  /** Every statement run on the writer so far that is not a prepared chunk (BEGIN, SAVEPOINT...). */
  statements(): string[];
  /** Prepared chunks handed to SQLite and answered, in the order both happened. */
  chunkRuns(): ('handed' | 'answered')[];
  close(): Promise<void>;
}

const opened: OpenCommitter[] = [];

/** Closes every committer opened so far (call in `afterEach`, before `cleanupAll` removes the files). */
export async function closeCommitters(): Promise<void> {
  for (const store of opened.splice(0)) await store.close();
}

export async function openCommitter(): Promise<OpenCommitter> {
  const path = join(tempDir(), 'group.sqlite');
  const writer = await Database.open(path, OPEN_READ_WRITE);
  await writer.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
  for (const migration of MIGRATIONS) await writer.exec(migration.sql);
  const reader = await Database.open(path, OPEN_READ_ONLY);
  const run = vi.spyOn(writer, 'run');
  const chunkRuns: ('handed' | 'answered')[] = [];
  const runPrepared = writer.runPrepared.bind(writer);
  vi.spyOn(writer, 'runPrepared').mockImplementation((statement, params) => {
    chunkRuns.push('handed');
    return runPrepared(statement, params).finally(() => chunkRuns.push('answered'));
  });
  const committer = new GroupCommitter(sqliteBatch(writer));
  const store: OpenCommitter = {
    committer,
    reader,
    begins: () => run.mock.calls.filter(([sql]) => sql === 'BEGIN IMMEDIATE').length,
    statements: () => run.mock.calls.map(([sql]) => sql),
    chunkRuns: () => [...chunkRuns],
    async close() {
      await committer.close();
      await reader.close();
      await writer.close();
    },
  };
  opened.push(store);
  return store;
}

/** A room row as the engine writes it: one commit per event, so at version `latestIndex + 1`. */
export function room(id: string, latestIndex = -1, version = latestIndex + 1): Room {
  return { id, state: 'active', timers: {}, metadata: {}, tenantId: null, latestIndex, version, createdAt: NOW, updatedAt: NOW };
}

/** The participant `${roomId}-${target}` (the targets of `messageWrites` are `agent` and `ai`). */
export function binding(roomId: string, target: string): Binding {
  return {
    id: `${roomId}-${target}`,
    roomId,
    channelId: 'console',
    channelType: 'console',
    address: target,
    identityId: null,
    audience: 'internal',
    access: 'read_write',
    muted: false,
    visibility: 'all',
    state: 'joined',
    direction: 'bidirectional',
    lastReadIndex: -1,
    metadata: {},
    createdAt: NOW,
    updatedAt: NOW,
  };
}

export interface MessageOptions {
  idempotencyKey?: string;
  /** The provider's id of the message, on `channelId` (default `sms`). */
  providerMessageId?: string;
  channelId?: string;
}

/** The writes of one message at `index` in a room: the room row, the event, two queued deliveries. */
export function messageWrites(roomId: string, index: number, eventId: string, options: MessageOptions = {}): WriteSet {
  const channelId = options.channelId ?? 'sms';
  const event: RoomEvent = {
    id: eventId,
    roomId,
    index,
    type: 'message',
    content: { type: 'text', text: eventId },
    source: {
      channelId,
      bindingId: `${roomId}-customer`,
      identityId: null,
      provider: 'test',
      providerMessageId: options.providerMessageId ?? null,
      raw: null,
    },
    direction: 'inbound',
    visibility: 'all',
    status: 'committed',
    blockedBy: null,
    correlationId: null,
    idempotencyKey: options.idempotencyKey ?? null,
    chainDepth: 0,
    metadata: {},
    createdAt: NOW,
  };
  const deliveries = ['agent', 'ai'].map((target) => queuedDelivery(`${eventId}-${target}`, event, `${roomId}-${target}`));
  return { rooms: [room(roomId, index)], events: [event], deliveries };
}

function queuedDelivery(id: string, event: RoomEvent, bindingId: string): Delivery {
  return {
    id,
    eventId: event.id,
    roomId: event.roomId,
    eventIndex: event.index,
    bindingId,
    channelId: 'console',
    status: 'queued',
    attempts: 0,
    providerMessageId: null,
    error: null,
    fallbackOf: null,
    createdAt: NOW,
    updatedAt: NOW,
  };
}

/** What the delivery worker commits when a send or a provider callback moves a delivery. */
export function statusWrites(delivery: Delivery, status: DeliveryStatus): WriteSet {
  return { deliveryStatuses: [{ ...delivery, status, attempts: delivery.attempts + 1, updatedAt: NOW }] };
}
