// Tasks and observations are worked on after they are raised: a task's status and assignee, an
// observation's status (open, acknowledged, dismissed) change through their own operation, the
// change is stored and announced, and neither operation touches the other kind.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, createRoom, openTestEngine } from './support/engine';

afterEach(cleanupAll);

describe('updating a side effect', () => {
  it('stores and announces an observation status, and refuses a task id or an unknown status, naming the field', async () => {
    const { engine } = await openTestEngine();
    const { room } = await createRoom(engine);
    const observation = (await engine.call('addObservation', { roomId: room.id, content: 'Customer asked twice about the refund', category: 'sentiment' })) as { id: string };
    const task = (await engine.call('createTask', { roomId: room.id, title: 'Call back' })) as { id: string };
    const announced: unknown[] = [];
    engine.subscribe((notification) => {
      if (notification.kind === 'side_effect') announced.push(notification.sideEffect);
    });

    const updated = await engine.call('updateObservation', { observationId: observation.id, status: 'acknowledged' });
    expect(updated).toMatchObject({ id: observation.id, kind: 'observation', data: { content: 'Customer asked twice about the refund', status: 'acknowledged' } });
    const { sideEffects } = (await engine.call('listSideEffects', { roomId: room.id, kind: 'observation' })) as { sideEffects: { id: string; data: { status?: string } }[] };
    expect(sideEffects.find((effect) => effect.id === observation.id)?.data.status).toBe('acknowledged');
    expect(announced).toEqual([updated]);

    await expect(engine.call('updateObservation', { observationId: task.id, status: 'dismissed' })).rejects.toMatchObject({ code: 'not_found', field: 'observationId' });
    await expect(engine.call('updateTask', { taskId: observation.id, status: 'done' })).rejects.toMatchObject({ code: 'not_found', field: 'taskId' });
    await expect(engine.call('updateObservation', { observationId: observation.id, status: 'closed' })).rejects.toMatchObject({ code: 'invalid_input', field: 'status' });
    // The task itself still moves through its own operation.
    expect(await engine.call('updateTask', { taskId: task.id, status: 'done' })).toMatchObject({ id: task.id, data: { status: 'done' } });
  });

  it('a task or observation about an event names an event of its own room, or is refused naming eventId', async () => {
    const { engine } = await openTestEngine();
    const mine = await createRoom(engine);
    const other = await createRoom(engine);
    const here = (await engine.call<{ event: { id: string } }>('sendEvent', { roomId: mine.room.id, content: { type: 'text', text: 'here' } })).event;
    const elsewhere = (await engine.call<{ event: { id: string } }>('sendEvent', { roomId: other.room.id, content: { type: 'text', text: 'there' }, visibility: 'internal' })).event;
    await expect(engine.call('createTask', { roomId: mine.room.id, title: 't', eventId: elsewhere.id })).rejects.toMatchObject({ code: 'not_found', field: 'eventId' });
    await expect(engine.call('addObservation', { roomId: mine.room.id, content: 'c', eventId: 'evt_nowhere' })).rejects.toMatchObject({ code: 'not_found', field: 'eventId' });
    expect(await engine.call('listSideEffects', { roomId: mine.room.id })).toEqual({ sideEffects: [] });
    expect(await engine.call('createTask', { roomId: mine.room.id, title: 't', eventId: here.id })).toMatchObject({ eventId: here.id });
  });
});
