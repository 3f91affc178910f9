// Closing an engine closes its store even when a channel's provider fails to close: a redeploy
// reopens the same database file right after, and must find it free.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine, SqliteStore, type Provider } from '../../runtime/src';
import { cleanupAll, openTestEngine, tempDir } from './support/engine';

afterEach(cleanupAll);

describe('engine close', () => {
  it('closes the store and logs the failure when a provider fails to close, so the file opens again', async () => {
    const warnings: string[] = [];
    const test = await openTestEngine({ logger: { info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined } });
    const failing: Provider = {
      name: 'failing',
      send: async () => ({ status: 'delivered' }),
      close: async () => {
        throw new Error('the host is gone');
      },
    };
    await test.engine.registerChannel({ id: 'failing', type: 'webchat', provider: failing });
    await test.engine.call('createRoom', { id: 'kept' });
    await test.engine.close();
    expect(warnings).toEqual(['closing channel failing failed: Error: the host is gone']);

    const reopened = await Engine.open({ databasePath: test.path });
    try {
      expect(await reopened.call('getRoom', { roomId: 'kept' })).toMatchObject({ room: { id: 'kept' } });
    } finally {
      await reopened.close();
    }
  });

  it('an open that fails after the store opened closes the store again (nothing left running)', async () => {
    const path = join(tempDir(), 'roomwire.db');
    const store = new SqliteStore(path);
    vi.spyOn(store, 'claimDeliveries').mockRejectedValueOnce(new Error('SQLITE_IOERR: disk I/O error'));
    const closed = vi.spyOn(store, 'close');
    await expect(Engine.open({ store })).rejects.toThrow('SQLITE_IOERR');
    expect(closed).toHaveBeenCalledTimes(1);
    // The same store class opens and serves once the fault is gone.
    const engine = await Engine.open({ store: new SqliteStore(path) });
    try {
      expect(await engine.call('createRoom', { id: 'after' })).toMatchObject({ room: { id: 'after' } });
    } finally {
      await engine.close();
    }
  });
});
