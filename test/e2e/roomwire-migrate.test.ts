// `npx roomwire-migrate --from <sqlite> --to <postgres url>`: a one-shot copy of a real SQLite
// database into PostgreSQL, verified by comparing every record. Run as the packaged bin.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Engine, SqliteStore } from '../../runtime/src';
import { cleanupAll, createRoom, inbound, openTestEngine, send, timeline } from '../runtime/support/engine';
import { POSTGRES_URL, dropSchema, freshSchema, postgresAvailable, postgresStore } from '../support/postgres';

const root = fileURLToPath(new URL('../..', import.meta.url));
const withPostgres = await postgresAvailable();
const schemas: string[] = [];

afterEach(cleanupAll);
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

function migrate(...args: string[]) {
  return spawnSync(process.execPath, [`${root}dist/nodes/bin/roomwire-migrate.js`, ...args], { encoding: 'utf8' });
}

describe.skipIf(!withPostgres)('roomwire-migrate', () => {
  it('copies an SQLite database into PostgreSQL and every room reads back the same; refuses a database that is not empty', async () => {
    const source = await openTestEngine();
    const rooms = [];
    for (let r = 0; r < 5; r++) {
      const { room } = await createRoom(source.engine, undefined, { timers: { inactiveAfter: 'PT1H' } });
      for (let i = 0; i < 30; i++) await send(source.engine, room.id, { text: `r${r}-m${i}` });
      rooms.push(room.id);
    }
    const fromCustomer = await inbound(source.engine, { from: '+15559999', text: 'a new customer', id: 'SM-new' });
    rooms.push(fromCustomer.roomId);
    await source.engine.idle();
    const before = new Map<string, unknown>();
    for (const id of rooms) before.set(id, await timeline(source.engine, id, { audit: true, limit: 500 }));
    const schema = freshSchema();
    schemas.push(schema);
    // While an engine serves the file, it is not copied: what it writes meanwhile would be lost.
    const busy = migrate('--from', source.path, '--to', POSTGRES_URL, '--schema', schema);
    expect(busy.status).toBe(2);
    expect(busy.stderr).toContain('already served by another process');
    await source.close();
    // An answered API request and a signed-in agent, as the REST API and the inbox leave them.
    const later = Date.now() + 3_600_000;
    const stored = new SqliteStore(source.path);
    await stored.open();
    await stored.claimIdempotencyKey('create-1', 'fingerprint-1', Date.now(), later);
    await stored.completeIdempotencyKey('create-1', { status: 200, body: { room: { id: 'r-made' } } }, later);
    await stored.putAgentSession({ scope: '/roomwire', idHash: 'hash-1', user: 'ana', csrf: 'csrf-1', expiresAt: later });
    await stored.close();

    const run = migrate('--from', source.path, '--to', POSTGRES_URL, '--schema', schema);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`copied and verified: ${rooms.length} rooms`);

    const copyStore = postgresStore(schema);
    const copy = await Engine.open({ store: copyStore });
    try {
      for (const id of rooms) expect(await timeline(copy, id, { audit: true, limit: 500 }), id).toEqual(before.get(id));
      // Identities came along with their address rows.
      expect((await copy.call<{ identity: { id: string } | null }>('lookupIdentity', { channelType: 'sms', address: '+15559999' })).identity).toBeTruthy();
      // A retried API request gets its first answer; the agent stays signed in.
      expect(await copy.agentSessions.getAgentSession('/roomwire', 'hash-1', Date.now())).toMatchObject({ user: 'ana', csrf: 'csrf-1' });
      expect(await copyStore.claimIdempotencyKey('create-1', 'fingerprint-1', Date.now(), later)).toEqual({
        fingerprint: 'fingerprint-1',
        answer: { status: 200, body: { room: { id: 'r-made' } } },
      });
    } finally {
      await copy.close();
    }

    const again = migrate('--from', source.path, '--to', POSTGRES_URL, '--schema', schema);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('already holds rooms');
    expect(migrate('--from', source.path).status).toBe(2);
  }, 120_000);
});
