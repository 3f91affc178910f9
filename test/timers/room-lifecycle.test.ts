// DESIGN.md section 9 on a clock the test moves by hand (nothing sleeps): `active` → `paused` after
// `inactiveAfter` without traffic, `paused` → `closed` after `closedAfter`, inbound traffic resumes
// a paused room, `closed` is final for writes, explicit pause / resume / close / archive, the
// `room` events and `on_room_state` hooks that report each change with its reason, and timers that
// fire exactly once across a restart.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HookContext, Notification, Room, RoomEvent } from '../../runtime/src';
import {
  MINUTE,
  cleanup,
  createRoom,
  inbound,
  openEngine,
  record,
  registerWebhookChannel,
  roomEvents,
  send,
  startReceiver,
  tempDir,
  testClock,
  until,
  type TestClock,
} from '../delivery/support/harness';

afterEach(cleanup);

type Engine = import('../../runtime/src').Engine;

const TIMERS = { inactiveAfter: 'PT10M', closedAfter: 'PT1H' };
const CUSTOMER = '+15550001';

async function registerChannels(engine: Engine) {
  const receiver = await startReceiver();
  await registerWebhookChannel(engine, receiver, 'sms', { type: 'sms' });
  await registerWebhookChannel(engine, receiver, 'console');
}

async function setup(timers: Record<string, string> = TIMERS) {
  const clock = testClock();
  const path = join(tempDir(), 'db.sqlite');
  const engine = await openEngine(path, { clock });
  await registerChannels(engine);
  const hookCalls: HookContext[] = [];
  engine.registerHook({ name: 'lifecycle', trigger: 'on_room_state' }, (context) => {
    hookCalls.push(context);
  });
  const notices = record(engine);
  const { room, b } = await createRoom(
    engine,
    [
      { channelId: 'sms', address: CUSTOMER },
      { channelId: 'console', address: 'agent' },
    ],
    { timers },
  );
  await until(() => hookCalls.length === 1, 'the created hook');
  hookCalls.length = 0;
  return { clock, path, engine, room, agent: b.agent!.id, hookCalls, notices };
}

async function stateOf(engine: Engine, roomId: string): Promise<Room['state']> {
  return (await engine.call<{ room: Room }>('getRoom', { roomId })).room.state;
}

/** The `room` lifecycle records of the timeline, as `state:reason`. */
async function changes(engine: Engine, roomId: string): Promise<string[]> {
  return (await roomEvents(engine, roomId, 'room')).map((e) => `${e.metadata.state}:${e.metadata.reason}`);
}

function hookDetails(calls: HookContext[]) {
  return calls.map((c) => c.detail);
}

/** Moves the clock and fires what is due. */
async function at(clock: TestClock, engine: Engine, ms: number): Promise<number> {
  clock.advance(ms);
  return engine.runDueTimers();
}

function roomNotices(notices: Notification[]): RoomEvent[] {
  return notices.flatMap((n) => (n.kind === 'event' && n.event.type === 'room' ? [n.event] : []));
}

describe('room timers', () => {
  it('an active room pauses after inactiveAfter without traffic, and not a moment before', async () => {
    const { clock, engine, room, hookCalls, notices } = await setup();
    expect(await at(clock, engine, 10 * MINUTE - 1)).toBe(0);
    expect(await stateOf(engine, room.id)).toBe('active');

    expect(await at(clock, engine, 1)).toBe(1);
    expect(await stateOf(engine, room.id)).toBe('paused');
    expect(await changes(engine, room.id)).toEqual(['active:api', 'paused:timer']);
    const paused = (await roomEvents(engine, room.id, 'room')).at(-1)!;
    expect(paused).toMatchObject({ visibility: 'internal', content: { type: 'system', code: 'room.paused' }, createdAt: new Date(clock()).toISOString() });
    expect(roomNotices(notices).map((e) => e.id)).toContain(paused.id);
    await until(() => hookCalls.length === 1, 'the on_room_state hook');
    expect(hookDetails(hookCalls)).toEqual([{ change: 'paused', state: 'paused', previous: 'active', reason: 'timer' }]);
    expect(hookCalls[0]!.room).toMatchObject({ id: room.id, state: 'paused' });
    expect(hookCalls[0]!.event?.id).toBe(paused.id);
  });

  it('traffic before inactiveAfter postpones the pause until the room has been quiet that long', async () => {
    const { clock, engine, room, agent } = await setup();
    clock.advance(5 * MINUTE);
    await send(engine, room.id, 'an agent message is traffic', { bindingId: agent });
    // The timer fires at +10 min, sees traffic at +5 min and re-arms for +15 min.
    await at(clock, engine, 5 * MINUTE);
    expect(await stateOf(engine, room.id)).toBe('active');

    clock.advance(2 * MINUTE);
    await inbound(engine, 'sms', { from: CUSTOMER, text: 'so is a customer message' });
    await at(clock, engine, 3 * MINUTE);
    expect(await stateOf(engine, room.id)).toBe('active');
    // Quiet since +12 min: pauses at +22 min.
    expect(await at(clock, engine, 7 * MINUTE - 1)).toBe(0);
    expect(await stateOf(engine, room.id)).toBe('active');
    await at(clock, engine, 1);
    expect(await stateOf(engine, room.id)).toBe('paused');
    expect(await changes(engine, room.id)).toEqual(['active:api', 'paused:timer']);
  });

  it('lifecycle records are not traffic: a binding change does not postpone the pause', async () => {
    const { clock, engine, room } = await setup();
    clock.advance(5 * MINUTE);
    await engine.call('attachBinding', { roomId: room.id, channelId: 'console', address: 'supervisor' });
    await at(clock, engine, 5 * MINUTE);
    expect(await stateOf(engine, room.id)).toBe('paused');
  });

  it('a paused room closes after closedAfter; closed is final for writes', async () => {
    const { clock, engine, room, agent, hookCalls } = await setup();
    await at(clock, engine, 10 * MINUTE);
    expect(await at(clock, engine, 60 * MINUTE - 1)).toBe(0);
    expect(await stateOf(engine, room.id)).toBe('paused');
    expect(await at(clock, engine, 1)).toBe(1);
    expect(await stateOf(engine, room.id)).toBe('closed');
    expect(await changes(engine, room.id)).toEqual(['active:api', 'paused:timer', 'closed:timer']);
    await until(() => hookCalls.length === 2, 'the on_room_state hooks');
    expect(hookDetails(hookCalls)[1]).toEqual({ change: 'closed', state: 'closed', previous: 'paused', reason: 'timer' });

    const before = await roomEvents(engine, room.id);
    await expect(send(engine, room.id, 'too late', { bindingId: agent })).rejects.toMatchObject({ code: 'room_closed' });
    await expect(engine.call('attachBinding', { roomId: room.id, channelId: 'console', address: 'late' })).rejects.toMatchObject({ code: 'room_closed' });
    await expect(engine.call('resumeRoom', { roomId: room.id })).rejects.toMatchObject({ code: 'conflict' });
    await expect(engine.call('pauseRoom', { roomId: room.id })).rejects.toMatchObject({ code: 'conflict' });
    // No timer is left: nothing happens to a closed room however long it waits.
    expect(await at(clock, engine, 365 * 24 * 60 * MINUTE)).toBe(0);
    expect(await roomEvents(engine, room.id)).toEqual(before);
  });

  it('inbound traffic resumes a paused room (a `room` event with reason `traffic`) and re-arms its timers', async () => {
    const { clock, engine, room, hookCalls, notices } = await setup();
    await at(clock, engine, 10 * MINUTE);
    await until(() => hookCalls.length === 1, 'the paused hook');
    clock.advance(30 * MINUTE);
    const result = await inbound(engine, 'sms', { from: CUSTOMER, text: 'hello again' });
    const accepted = (result.body as { accepted: { roomId: string; index: number }[] }).accepted[0]!;
    expect(accepted.roomId).toBe(room.id);
    expect(await stateOf(engine, room.id)).toBe('active');
    const events = await roomEvents(engine, room.id);
    const resumed = events.at(-2)!;
    expect(resumed).toMatchObject({ type: 'room', metadata: { state: 'active', reason: 'traffic' } });
    // The resume is recorded before the message that caused it.
    expect(events.at(-1)).toMatchObject({ index: accepted.index, direction: 'inbound', content: { text: 'hello again' } });
    expect(resumed.index).toBe(accepted.index - 1);
    expect(roomNotices(notices).map((e) => e.id)).toContain(resumed.id);
    await until(() => hookCalls.length === 2, 'the resumed hook');
    expect(hookCalls[1]!.detail).toMatchObject({ change: 'resumed', previous: 'paused', state: 'active', reason: 'traffic' });

    // At the old close time (+70 min) only the new inactivity timer fires: the resume removed the
    // close timer the first pause had armed.
    expect(await at(clock, engine, 30 * MINUTE)).toBe(1);
    expect(await changes(engine, room.id)).toEqual(['active:api', 'paused:timer', 'active:traffic', 'paused:timer']);
    // ...and the second pause counts its own closedAfter from when it paused.
    expect(await at(clock, engine, 40 * MINUTE)).toBe(0);
    expect(await stateOf(engine, room.id)).toBe('paused');
    await at(clock, engine, 20 * MINUTE);
    expect(await stateOf(engine, room.id)).toBe('closed');
  });

  it('a new inbound message for a closed room opens a new room; the closed one stays as it was', async () => {
    const { clock, engine, room } = await setup();
    await at(clock, engine, 10 * MINUTE);
    await at(clock, engine, 60 * MINUTE);
    const closedTimeline = await roomEvents(engine, room.id);
    const result = await inbound(engine, 'sms', { from: CUSTOMER, text: 'new question' });
    const accepted = (result.body as { accepted: { roomId: string }[] }).accepted[0]!;
    expect(accepted.roomId).not.toBe(room.id);
    expect(await stateOf(engine, accepted.roomId)).toBe('active');
    const fresh = await roomEvents(engine, accepted.roomId);
    expect(fresh.at(-1)).toMatchObject({ direction: 'inbound', content: { text: 'new question' } });
    expect(await roomEvents(engine, room.id)).toEqual(closedTimeline);
  });
});

describe('explicit room state operations', () => {
  it('pause, resume, close and archive write `room` events with reason `api` and fire on_room_state', async () => {
    const { engine, room, hookCalls, notices } = await setup();
    for (const operation of ['pauseRoom', 'resumeRoom', 'pauseRoom', 'closeRoom', 'archiveRoom']) {
      await engine.call(operation, { roomId: room.id });
    }
    expect(await changes(engine, room.id)).toEqual(['active:api', 'paused:api', 'active:api', 'paused:api', 'closed:api', 'archived:api']);
    await until(() => hookCalls.length === 5, 'the on_room_state hooks');
    expect(hookDetails(hookCalls)).toEqual([
      { change: 'paused', state: 'paused', previous: 'active', reason: 'api' },
      { change: 'resumed', state: 'active', previous: 'paused', reason: 'api' },
      { change: 'paused', state: 'paused', previous: 'active', reason: 'api' },
      { change: 'closed', state: 'closed', previous: 'paused', reason: 'api' },
      { change: 'archived', state: 'archived', previous: 'closed', reason: 'api' },
    ]);
    expect(roomNotices(notices).map((e) => e.metadata.state)).toEqual(['active', 'paused', 'active', 'paused', 'closed', 'archived']);
    // Archived is the end: nothing moves it back.
    for (const operation of ['resumeRoom', 'pauseRoom', 'closeRoom']) {
      await expect(engine.call(operation, { roomId: room.id })).rejects.toMatchObject({ code: 'conflict' });
    }
  });

  it('asking for the state a room is already in changes nothing', async () => {
    const { engine, room, hookCalls } = await setup();
    await engine.call('resumeRoom', { roomId: room.id });
    await engine.call('pauseRoom', { roomId: room.id });
    await engine.call('pauseRoom', { roomId: room.id });
    expect(await changes(engine, room.id)).toEqual(['active:api', 'paused:api']);
    await engine.idle();
    await until(() => hookCalls.length === 1, 'the hook');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(hookCalls).toHaveLength(1);
  });

  it('an explicit pause arms the close timer; an explicit close or archive disarms every timer', async () => {
    const { clock, engine, room } = await setup();
    await engine.call('pauseRoom', { roomId: room.id });
    expect(await at(clock, engine, 60 * MINUTE)).toBe(1);
    expect(await changes(engine, room.id)).toEqual(['active:api', 'paused:api', 'closed:timer']);

    const other = await setup();
    await other.engine.call('archiveRoom', { roomId: other.room.id });
    expect(await at(other.clock, other.engine, 365 * 24 * 60 * MINUTE)).toBe(0);
    expect(await changes(other.engine, other.room.id)).toEqual(['active:api', 'archived:api']);
  });

  it('archived rooms are hidden from the default listRooms and listed when asked for by state', async () => {
    const { engine, room } = await setup();
    const { room: kept } = await createRoom(engine, [{ channelId: 'console', address: 'someone' }]);
    const { room: closed } = await createRoom(engine, [{ channelId: 'console', address: 'another' }]);
    await engine.call('closeRoom', { roomId: closed.id });
    await engine.call('archiveRoom', { roomId: room.id });
    const ids = async (input: object) => (await engine.call<{ rooms: Room[] }>('listRooms', input)).rooms.map((r) => r.id).sort();
    expect(await ids({})).toEqual([kept.id, closed.id].sort());
    expect(await ids({ states: ['archived'] })).toEqual([room.id]);
    expect(await ids({ states: ['active', 'archived'] })).toEqual([kept.id, room.id].sort());
    // Still readable by id.
    expect(await stateOf(engine, room.id)).toBe('archived');
  });
});

describe('durable room timers across a restart', () => {
  it('a timer scheduled before a restart fires exactly once after it', async () => {
    const { clock, path, engine, room } = await setup();
    await engine.close();

    clock.advance(11 * MINUTE);
    const reopened = await openEngine(path, { clock });
    await reopened.runDueTimers();
    await reopened.runDueTimers();
    // The scheduler also armed itself on open; give its wake-up a chance to run too.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await reopened.runDueTimers();
    expect(await changes(reopened, room.id)).toEqual(['active:api', 'paused:timer']);

    // The close timer the pause armed is durable too.
    await reopened.close();
    clock.advance(60 * MINUTE);
    const third = await openEngine(path, { clock });
    await third.runDueTimers();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await third.runDueTimers();
    expect(await changes(third, room.id)).toEqual(['active:api', 'paused:timer', 'closed:timer']);
  });
});
