// One engine node per database file in a Node-RED (nodes/lib/engine-registry.ts): a second engine
// node naming a file already claimed is refused, however its path is spelled.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimDatabase, DatabaseInUseError, type EngineLease } from '../../nodes/lib/engine-registry';
import { cleanupAll, tempDir } from '../runtime/support/engine';

const leases: EngineLease[] = [];
afterEach(async () => {
  for (const lease of leases.splice(0)) await lease.release();
  await cleanupAll();
});

describe('engine registry', () => {
  it('refuses a second engine node on one SQLite file reached through a linked directory or a relative spelling', () => {
    const dir = join(tempDir(), 'data');
    mkdirSync(dir);
    const link = join(tempDir(), 'data-link');
    symlinkSync(dir, link);
    leases.push(claimDatabase({ databasePath: join(dir, 'roomwire.sqlite') }, 'engine-a'));
    for (const spelling of [join(link, 'roomwire.sqlite'), join(dir, '.', 'sub', '..', 'roomwire.sqlite'), join(link, 'not-yet', '..', 'roomwire.sqlite')]) {
      expect(() => claimDatabase({ databasePath: spelling }, 'engine-b'), spelling).toThrow(DatabaseInUseError);
    }
    // The node that holds it may claim it again (a redeploy), and another file is free.
    leases.push(claimDatabase({ databasePath: join(link, 'roomwire.sqlite') }, 'engine-a'));
    leases.push(claimDatabase({ databasePath: join(link, 'other.sqlite') }, 'engine-b'));
  });
});
