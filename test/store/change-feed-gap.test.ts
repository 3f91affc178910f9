// Two engines on one PostgreSQL database: B's change-feed listener is cut while A commits a message
// in a room B has cached and a stored hook. When the log still holds what B missed, B catches up
// from it; when those rows were pruned, B cannot know what it missed and resyncs instead: it drops
// its cached rooms and reads its hooks again, with one warning, and tells its subscribers.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Engine, type Logger, type Notification } from '../../runtime/src';
import { MINUTE, roomEvents, testClock } from '../delivery/support/harness';
import { pruneChangeLog, storeWithAwayListener } from '../support/away-listener';
import { dropSchema, freshSchema, postgresAvailable, postgresStore } from '../support/postgres';
import { until } from '../support/wait';

const withPostgres = await postgresAvailable();
const schemas: string[] = [];
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, warn: (message) => warnings.push(message), error: () => undefined };
}

/** A commits while B's listener is away; `whileAway` runs before B may listen again. */
async function awayWhileACommits(whileAway: (schema: string) => Promise<void>) {
  const schema = freshSchema();
  schemas.push(schema);
  const a = await Engine.open({ store: postgresStore(schema) });
  engines.push(a);
  const away = storeWithAwayListener(schema);
  const storeOfB = away.store;
  const logger = recordingLogger();
  const b = await Engine.open({ store: storeOfB, logger });
  engines.push(b);
  const heard: Notification[] = [];
  b.subscribe((n) => heard.push(n));

  await a.call('createRoom', { id: 'r1' });
  await b.call('sendEvent', { roomId: 'r1', content: { type: 'text', text: 'from b' } }); // r1 now cached in B

  await away.goAway();
  await a.call('sendEvent', { roomId: 'r1', content: { type: 'text', text: 'from a while b was away' } });
  const hook = await a.call<{ id: string }>('addRoomHook', { roomId: 'r1', name: 'crm', trigger: 'after_broadcast', target: { handler: 'crm' } });
  await whileAway(schema);
  await away.comeBack();

  let commits = 0;
  const commit = storeOfB.commit.bind(storeOfB);
  storeOfB.commit = (writes) => {
    commits++;
    return commit(writes);
  };
  const hooksOfB = async () => (await b.call<{ hooks: { id: string }[] }>('listHooks', { roomId: 'r1' })).hooks.map((h) => h.id);
  return { b, hookId: hook.id, hooksOfB, heard, warnings: logger.warnings, commitsOfB: () => commits };
}

const resyncs = (heard: Notification[]) => heard.filter((n) => n.kind === 'resync');

describe.skipIf(!withPostgres)('a change-feed listener away while another engine commits', () => {
  it('catches up from the log when the rows it missed are still there: no resync, the missed message announced, cache and hooks current', async () => {
    const { b, hookId, hooksOfB, heard, warnings, commitsOfB } = await awayWhileACommits(async () => undefined);
    expect(heard.some((n) => n.kind === 'event' && n.event.content.text === 'from a while b was away')).toBe(true);
    expect(resyncs(heard)).toEqual([]);
    expect(warnings).toEqual([]);
    expect(await hooksOfB()).toEqual([hookId]);
    await b.call('sendEvent', { roomId: 'r1', content: { type: 'text', text: 'b again' } });
    expect(commitsOfB()).toBe(1);
  });

  it('resyncs when the rows it missed were pruned: cached rooms dropped, hooks read again, one warning, subscribers told', async () => {
    const { b, hookId, hooksOfB, heard, warnings, commitsOfB } = await awayWhileACommits(pruneChangeLog);
    expect(heard.some((n) => n.kind === 'event' && n.event.content.text === 'from a while b was away')).toBe(false);
    expect(resyncs(heard)).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/change feed was away \d+ s.*may have missed events/);
    expect(await hooksOfB()).toEqual([hookId]);
    // r1 was reloaded, not written from the stale cache and refused by the store first.
    const { event } = await b.call<{ event: { index: number } }>('sendEvent', { roomId: 'r1', content: { type: 'text', text: 'b again' } });
    expect(commitsOfB()).toBe(1);
    expect(event.index).toBeGreaterThan(2);
  });
});

describe.skipIf(!withPostgres)('a resync reads the next due timer again', () => {
  it('a lifecycle timer another engine committed while the listener was away, its log rows pruned, fires on this engine after the resync, once', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const clock = testClock();
    const a = await Engine.open({ store: postgresStore(schema), clock });
    engines.push(a);
    const away = storeWithAwayListener(schema);
    // The poll that would find the timer in the end is an hour away: only the resync can tell B now.
    const b = await Engine.open({ store: away.store, clock, timerPollMs: 60 * MINUTE });
    engines.push(b);
    // B hears a change first: a listener that heard none resyncs only after the log's whole retention.
    const heard: Notification[] = [];
    b.subscribe((n) => heard.push(n));
    await a.call('createRoom', { id: 'r0' });
    await a.call('sendEvent', { roomId: 'r0', content: { type: 'text', text: 'heard by b' } });
    await until(() => heard.some((n) => n.kind === 'event' && n.roomId === 'r0'), "B hearing A's message");

    await away.goAway();
    await a.call('createRoom', { id: 'r1', timers: { inactiveAfter: 'PT10M' } });
    // A is gone before the timer is due: only B can fire it.
    await a.close();
    clock.advance(10 * MINUTE);
    await pruneChangeLog(schema);
    const pauses = async () => (await roomEvents(b, 'r1', 'room')).filter((e) => e.metadata.state === 'paused');
    expect(await pauses()).toEqual([]);

    await away.comeBack();
    await until(async () => (await pauses()).length > 0, 'B pausing the inactive room');
    // The run that fired it may still be finishing (a call during a run joins it and gets its count).
    await b.runDueTimers();
    expect(await b.runDueTimers()).toBe(0);
    expect((await pauses()).map((e) => e.metadata.reason)).toEqual(['timer']);
  });
});
