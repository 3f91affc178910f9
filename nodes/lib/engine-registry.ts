// One Engine per database file in this process, shared by every `roomwire-engine` config node that
// names it. Two engines on one file would each route inbound traffic and assign indexes on their
// own and refuse each other's writes; sharing is what users mean by "the same database".
import { Engine, type EngineOptions } from '@roomwire/runtime';

interface Entry {
  users: number;
  engine: Promise<Engine>;
}

const engines = new Map<string, Entry>();
/** Closes still under way, by path: a redeploy reopens the file only after the old engine closed. */
const closing = new Map<string, Promise<void>>();

export interface EngineLease {
  engine: Promise<Engine>;
  /** True when this lease opened the engine (its options were used). */
  opened: boolean;
  release(): Promise<void>;
}

export function leaseEngine(options: EngineOptions & { databasePath: string }): EngineLease {
  const path = options.databasePath;
  let entry = engines.get(path);
  const opened = !entry;
  if (!entry) {
    const previousClose = closing.get(path) ?? Promise.resolve();
    entry = { users: 0, engine: previousClose.then(() => Engine.open(options)) };
    engines.set(path, entry);
    // A file that failed to open is not kept: the next deploy tries again.
    entry.engine.catch(() => {
      if (engines.get(path) === entry) engines.delete(path);
    });
  }
  entry.users++;
  const leased = entry;
  let released = false;
  return {
    engine: leased.engine,
    opened,
    async release() {
      if (released) return;
      released = true;
      if (--leased.users > 0) return;
      if (engines.get(path) === leased) engines.delete(path);
      const done = leased.engine.then(
        (engine) => engine.close(),
        () => undefined,
      );
      closing.set(path, done);
      await done;
      if (closing.get(path) === done) closing.delete(path);
    },
  };
}
