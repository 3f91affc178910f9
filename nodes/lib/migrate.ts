// Versioned node configuration: every Roomwire node's config carries `version`, and a flow saved
// with an older format is brought up to date when a node starts. The migrations themselves live in
// resources/roomwire-migrations.js, which the editor loads too, so both sides migrate alike.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { NodeAPI, NodeDef } from 'node-red';

type Config = Record<string, unknown>;

interface Migrations {
  migrate(type: string, config: Config, findChannel: (channelId: string) => string | undefined): Config;
  currentVersion(type: string): number;
}

const FILE = path.join('resources', 'roomwire-migrations.js');

/** The package's resources/ folder, above this file (dist/nodes/lib/ when built, nodes/lib/ in tests of the sources). */
function migrationsFile(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, FILE))) return path.join(dir, FILE);
    if (path.dirname(dir) === dir) throw new Error(`${FILE} not found above ${__dirname}`);
  }
}

const migrations = require(migrationsFile()) as Migrations;

/** The id of the `roomwire-channel` config node whose channel id is `channelId`, if any is deployed. */
function channelNodeOf(RED: NodeAPI, channelId: string): string | undefined {
  let found: string | undefined;
  RED.nodes.eachNode((candidate) => {
    const config = candidate as NodeDef & { channelId?: string };
    if (!found && config.type === 'roomwire-channel' && ((config.channelId ?? '').trim() || config.id) === channelId) found = config.id;
  });
  return found;
}

/** The node's config in today's format. */
export function migrated<T extends NodeDef>(RED: NodeAPI, def: T): T {
  return migrations.migrate(def.type, def as unknown as Config, (channelId) => channelNodeOf(RED, channelId)) as unknown as T;
}

export function currentVersion(type: string): number {
  return migrations.currentVersion(type);
}
