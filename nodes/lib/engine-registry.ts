// One Engine per database file in this process, owned by one `roomwire-engine` config node. Two
// engines on one file would each route inbound traffic and assign indexes on their own and refuse
// each other's writes, so a second engine node naming a file already in use is refused at deploy
// (its nodes show it) instead of quietly sharing or racing.
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Engine, type EngineOptions } from '@roomwire/runtime';

interface Claim {
  owner: string;
  /** Opened on first use. */
  engine?: Promise<Engine>;
}

const claims = new Map<string, Claim>();
/** Closes still under way, by path: a redeploy reopens the file only after the old engine closed. */
const closing = new Map<string, Promise<void>>();

/** The file is open by another engine node of this Node-RED. */
export class DatabaseInUseError extends Error {
  constructor(
    readonly databasePath: string,
    readonly owner: string,
  ) {
    super(`the database ${databasePath} is already used by engine node ${owner}: pick that engine in the nodes, or another file`);
    this.name = 'DatabaseInUseError';
  }
}

/**
 * The file's path with the symbolic links of the file and of its existing directories resolved:
 * two spellings of one file are one claim. Directories not made yet are kept as spelled.
 */
function realFilePath(file: string): string {
  const rest: string[] = [];
  for (let at = resolve(file); ; at = dirname(at)) {
    try {
      return join(realpathSync(at), ...rest);
    } catch {
      if (dirname(at) === at) return resolve(file);
      rest.unshift(basename(at));
    }
  }
}

export interface EngineLease {
  /** The engine, opened on the first call. */
  engine(): Promise<Engine>;
  release(): Promise<void>;
}

/** Claims the database file for engine node `owner`; throws DatabaseInUseError when another node holds it. */
export function claimDatabase(options: EngineOptions & { databasePath: string }, owner: string): EngineLease {
  // A PostgreSQL store's key is its URL; a file is known by its real path, whatever links spell it.
  const path = options.store ? options.databasePath : realFilePath(options.databasePath);
  const current = claims.get(path);
  if (current && current.owner !== owner) throw new DatabaseInUseError(path, current.owner);
  const claim: Claim = { owner };
  claims.set(path, claim);
  let released = false;
  return {
    engine() {
      if (!claim.engine) {
        const previousClose = closing.get(path) ?? Promise.resolve();
        claim.engine = previousClose.then(() => Engine.open(options));
      }
      return claim.engine;
    },
    async release() {
      if (released) return;
      released = true;
      if (claims.get(path) === claim) claims.delete(path);
      if (!claim.engine) return;
      const done = claim.engine.then(
        (engine) => engine.close(),
        () => undefined,
      );
      closing.set(path, done);
      await done;
      if (closing.get(path) === done) closing.delete(path);
    },
  };
}
