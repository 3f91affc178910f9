// A database is written only by code that knows every migration applied to it. One migrated by a
// newer Roomwire (the package rolled back after an upgrade, or one instance upgraded while another
// still runs the old version against the same PostgreSQL) is refused: the old code would write
// rows without what the newer schema keeps (a column the newer code reads, a version it compares),
// and nothing would say so until data went wrong. SQLite checks when it opens (its lock keeps any
// other process out meanwhile); PostgreSQL also checks in every transaction and claim, since
// another instance can migrate the shared schema while this one runs.
import { RoomwireError } from '../errors';

export function refuseUnknownMigrations(database: string, applied: readonly (number | null)[], known: readonly { version: number }[]): void {
  const newest = Math.max(...known.map((migration) => migration.version));
  const unknown = applied.filter((version): version is number => version !== null && version > newest);
  if (unknown.length === 0) return;
  throw new RoomwireError(
    'internal',
    `${database} was migrated by a newer Roomwire (schema version ${Math.max(...unknown)}; this version knows up to ${newest}): ` +
      'upgrade Roomwire to use it, or restore the backup taken before the upgrade',
  );
}
