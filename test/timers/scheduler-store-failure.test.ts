// A store that fails to claim due timers (a lost connection, a schema another instance migrated)
// neither leaves a rejection nobody handles, which would end a Node-RED process, nor drops the
// timers: they fire once the store answers again.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Leases } from '../../runtime/src/store/leases';
import { Scheduler } from '../../runtime/src/timers/scheduler';
import type { Timer } from '../../runtime/src/timers/types';
import { recordUnhandledRejections } from '../support/unhandled';

const unhandled = recordUnhandledRejections();

afterEach(() => {
  vi.useRealTimers();
});

const NOW = 1_000_000;

function dueTimer(): Timer {
  return { id: 'tmr_1', kind: 'reminder', roomId: 'r1', dueAt: NOW, data: {} } as unknown as Timer;
}

describe('the timer scheduler when the store fails to claim', () => {
  it('logs the failure and fires the timer on a later attempt, with no unhandled rejection', async () => {
    vi.useFakeTimers({ now: NOW });
    const answers: (() => Promise<Timer[]>)[] = [() => Promise.reject(new Error('connection terminated')), () => Promise.resolve([dueTimer()])];
    const store = {
      claimDueTimers: vi.fn(() => (answers.shift() ?? (() => Promise.resolve([])))()),
      nextTimerDueAt: vi.fn(async () => null),
    };
    const errors: string[] = [];
    const logger = { info: () => undefined, warn: () => undefined, error: (message: string) => errors.push(message) };
    const scheduler = new Scheduler(store, () => Date.now(), logger, new Leases('eng_test'));
    const fired: string[] = [];
    scheduler.on('reminder', async (timer) => {
      fired.push(timer.id);
    });

    scheduler.noteDue(NOW);
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toEqual(['claiming due timers failed, retrying in 5s: Error: connection terminated']);
    expect(fired).toEqual([]);

    await vi.advanceTimersByTimeAsync(5_000);
    expect(fired).toEqual(['tmr_1']);
    expect(store.claimDueTimers).toHaveBeenCalledTimes(2);
    scheduler.close();
    // A rejection nobody handled is reported after the turn that left it.
    vi.useRealTimers();
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled()).toEqual([]);
  });
});
