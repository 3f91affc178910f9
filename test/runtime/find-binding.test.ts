// findBinding: which participant an address means in a room. Nodes that act on "bob in room demo"
// (mute, visibility, fallback, send) ask this operation instead of comparing strings themselves.
import { afterEach, describe, expect, it } from 'vitest';
import type { Binding } from '../../runtime/src';
import { cleanupAll, createRoom, openTestEngine, rejection } from './support/engine';

afterEach(cleanupAll);

describe('findBinding', () => {
  it('matches an address written in any form of its channel type', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    const found = await engine.call<Binding>('findBinding', { roomId: room.id, address: '+1 555-0001' });
    expect(found.id).toBe(b['+15550001']!.id);
    const visitor = await engine.call<Binding>('findBinding', { roomId: room.id, address: 'visitor-1', channelId: 'web' });
    expect(visitor.id).toBe(b['visitor-1']!.id);
  });

  it('refuses an unknown participant, a left one, and names the field', async () => {
    const { engine } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    expect(await rejection(engine.call('findBinding', { roomId: room.id, address: 'nobody' }))).toMatchObject({ code: 'not_found', field: 'address' });
    await engine.call('detachBinding', { bindingId: b['visitor-1']!.id });
    expect(await rejection(engine.call('findBinding', { roomId: room.id, address: 'visitor-1' }))).toMatchObject({ code: 'not_found', field: 'address' });
    expect(await rejection(engine.call('findBinding', { roomId: 'no-such-room', address: 'x' }))).toMatchObject({ code: 'not_found', field: 'roomId' });
  });

  it('asks for the channel when the address is bound on several', async () => {
    const { engine } = await openTestEngine();
    const { room } = await createRoom(engine, [
      { channelId: 'web', address: 'same' },
      { channelId: 'console', address: 'same' },
    ]);
    expect(await rejection(engine.call('findBinding', { roomId: room.id, address: 'same' }))).toMatchObject({ code: 'invalid_input', field: 'channelId' });
    const chosen = await engine.call<Binding>('findBinding', { roomId: room.id, address: 'same', channelId: 'console' });
    expect(chosen.channelId).toBe('console');
  });
});
