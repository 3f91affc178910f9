#!/usr/bin/env node
// `npx roomwire-migrate --from <sqlite file> --to <postgres url>`: copies a Roomwire SQLite
// database into an empty PostgreSQL database, then compares every record in both (each room's
// timeline in index order, every other record by id). The file must not be in use: stop the
// Node-RED serving it first. Exit code 0: copied and verified; 1: a record differs; 2: bad
// arguments or a failure (the file in use, the target not empty).
import { PostgresStore, copySqliteInto } from '@roomwire/runtime';

const USAGE = 'usage: roomwire-migrate --from <sqlite file> --to <postgres url> [--schema <name>]';

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

async function main(): Promise<number> {
  const from = argument('from');
  const to = argument('to');
  if (!from || !to) {
    console.error(USAGE);
    return 2;
  }
  const target = new PostgresStore({ connectionString: to, schema: argument('schema'), poolSize: 2 });
  await target.open();
  try {
    const report = await copySqliteInto(from, target, (message) => console.log(message));
    if (report.mismatches.length > 0) {
      console.error(`${report.mismatches.length} records differ after the copy: ${report.mismatches.slice(0, 20).join(', ')}`);
      return 1;
    }
    console.log(`copied and verified: ${report.rooms} rooms, every record identical`);
    return 0;
  } finally {
    await target.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  },
);
