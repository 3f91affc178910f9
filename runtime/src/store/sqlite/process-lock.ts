// One process per database file: SQLite lets two processes open the same file, and two engines
// would each assign indexes and route traffic on their own. The first to open it writes
// `<file>.lock` with its process id; another live process is refused with a clear error (a
// stale lock, whose process is gone, is taken over). The same process may reopen its file (a
// restart); engines inside one Node-RED are kept apart by the engine node's own registry.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

export class DatabaseLockedError extends Error {
  constructor(
    readonly databasePath: string,
    readonly pid: number,
  ) {
    super(`the database ${databasePath} is already served by another process (pid ${pid}); stop it, or talk to it over its REST API or MCP (roomwire-mcp) instead of opening the file`);
    this.name = 'DatabaseLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stores of this process holding each lock file. A redeploy opens the new engine before the old
 * one has closed: the file goes when the last of them releases it, not when the first does.
 */
const holders = new Map<string, number>();

function held(file: string): () => void {
  holders.set(file, (holders.get(file) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (holders.get(file) ?? 1) - 1;
    if (left > 0) return void holders.set(file, left);
    holders.delete(file);
    try {
      unlinkSync(file);
    } catch {
      // already gone (removed by hand): nothing to release
    }
  };
}

/** Takes the lock of a database file; returns its release. */
export function lockDatabase(databasePath: string): () => void {
  const file = `${databasePath}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return held(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSafe(file));
    if (holder === process.pid) return held(file); // reopened in this process (a redeploy)
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) throw new DatabaseLockedError(databasePath, holder);
    try {
      unlinkSync(file); // stale: its process is gone
    } catch {
      // another process took it over first: try again
    }
  }
  throw new DatabaseLockedError(databasePath, Number(readFileSafe(file)));
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
