// DESIGN.md section 3 step 4: the per-key serial section. Tasks of one key run one at a time in
// call order, keys run side by side, and a failing task fails only its own call.
import { describe, expect, it } from 'vitest';
import { SerialQueues } from '../../runtime/src/pipeline/serial';

/** A promise the test settles by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('serial queues', () => {
  it('run the tasks of one key one at a time in call order, and other keys meanwhile', async () => {
    const serial = new SerialQueues();
    const log: string[] = [];
    const first = gate();
    const a1 = serial.run('a', async () => {
      log.push('a1 start');
      await first.opened;
      log.push('a1 end');
    });
    const a2 = serial.run('a', async () => void log.push('a2'));
    const b1 = serial.run('b', async () => void log.push('b1'));
    await b1;
    expect(log).toEqual(['a1 start', 'b1']);
    expect(serial.isBusy('a')).toBe(true);
    first.open();
    await Promise.all([a1, a2]);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
    await serial.idle();
    expect(serial.isBusy('a')).toBe(false);
    expect(serial.isBusy('b')).toBe(false);
  });

  it('a task that throws, even before its first await, rejects only its own call; the next task of its key runs', async () => {
    const serial = new SerialQueues();
    const throwsAtOnce = (() => {
      throw new Error('refused at once');
    }) as unknown as () => Promise<void>;
    const failed = serial.run('a', throwsAtOnce);
    const next = serial.run('a', async () => 'ran');
    await expect(failed).rejects.toThrow('refused at once');
    await expect(next).resolves.toBe('ran');
    const failedLater = serial.run('a', async () => {
      await Promise.resolve();
      throw new Error('refused later');
    });
    await expect(failedLater).rejects.toThrow('refused later');
    await expect(serial.run('a', async () => 'ran again')).resolves.toBe('ran again');
    await serial.idle();
    expect(serial.isBusy('a')).toBe(false);
  });

  it('idle waits for a failing task to settle and does not fail itself', async () => {
    const serial = new SerialQueues();
    const failing = gate();
    const failed = serial.run('a', async () => {
      await failing.opened;
      throw new Error('refused');
    });
    failed.catch(() => undefined);
    let idle = false;
    const waited = serial.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    expect(serial.size).toBe(1);
    failing.open();
    await expect(waited).resolves.toBe(true);
    expect(serial.size).toBe(0);
  });
});
