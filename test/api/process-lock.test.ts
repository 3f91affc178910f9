// Never two writers on one file (issue 13): a database another live process serves is refused
// with a clear error; the same file opens again once that process is gone, or in the process
// that closed it (a restart).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../runtime/src';
import { cleanupAll, tempDir, until } from '../runtime/support/engine';

afterEach(cleanupAll);

describe('a database file served by another process', () => {
  it('is refused with an error naming the process, and opens once that process is gone', async () => {
    const path = join(tempDir(), 'shared.sqlite');
    // Another live process holds the lock.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      writeFileSync(`${path}.lock`, String(other.pid));
      await expect(Engine.open({ databasePath: path })).rejects.toThrow(new RegExp(`already served by another process \\(pid ${other.pid}\\)`));
    } finally {
      other.kill();
    }
    await until(() => other.exitCode !== null || other.signalCode !== null, 'the other process to exit');
    // Its lock is stale now: taken over.
    const engine = await Engine.open({ databasePath: path });
    await engine.close();
  });

  it('opens again in the same process after a close (a restart)', async () => {
    const path = join(tempDir(), 'restart.sqlite');
    const first = await Engine.open({ databasePath: path });
    await first.close();
    const second = await Engine.open({ databasePath: path });
    await second.close();
  });

  it('keeps the lock while a second engine of this process still has the file (a redeploy opens before it closes)', async () => {
    const path = join(tempDir(), 'redeploy.sqlite');
    const old = await Engine.open({ databasePath: path });
    const next = await Engine.open({ databasePath: path });
    await old.close();
    expect(existsSync(`${path}.lock`)).toBe(true);
    await next.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});
