// Texts a node shows (status, errors) from its message catalogue, as core nodes do with RED._:
// `nodes/locales/en-US/<node>.json`, keys `<node>.<group>.<name>`, `__name__` placeholders. Where
// no catalogue is registered (node-red-node-test-helper answers every key with the key itself),
// the English catalogue beside the compiled node is read instead, so a status never shows a key.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { NodeAPI } from 'node-red';

export type Vars = Record<string, string | number>;
export type Translate = (key: string, vars?: Vars) => string;

/** The message namespace of a node set of this package, for keys of another node's catalogue. */
export const MODULE = '@roomwire/node-red';

const englishCatalogues = new Map<string, Record<string, unknown>>();

function english(catalogue: string): Record<string, unknown> {
  let messages = englishCatalogues.get(catalogue);
  if (!messages) {
    try {
      messages = JSON.parse(readFileSync(path.join(__dirname, '..', 'locales', 'en-US', `${catalogue}.json`), 'utf8')) as Record<string, unknown>;
    } catch {
      messages = {};
    }
    englishCatalogues.set(catalogue, messages);
  }
  return messages;
}

function fill(text: string, vars: Vars | undefined): string {
  return text.replace(/__(\w+)__/g, (whole, name: string) => (vars && name in vars ? String(vars[name]) : whole));
}

function englishText(key: string, vars: Vars | undefined): string {
  const colon = key.lastIndexOf(':');
  const bare = colon === -1 ? key : key.slice(colon + 1);
  // `<module>/<node set>:<key>` reads that node set's catalogue; a bare key, its first part's.
  const catalogue = colon === -1 ? bare.split('.', 1)[0]! : key.slice(key.lastIndexOf('/', colon) + 1, colon);
  let value: unknown = english(catalogue);
  for (const part of bare.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return typeof value === 'string' ? fill(value, vars) : key;
}

/** RED._ with the English catalogue as the fallback. */
export function translator(RED: NodeAPI): Translate {
  return (key, vars) => {
    const text = RED._(key, vars);
    return text === key ? englishText(key, vars) : text;
  };
}

/** A key of another node set's catalogue (shared texts live in the engine's). */
export function foreignKey(nodeSet: string, key: string): string {
  return `${MODULE}/${nodeSet}:${key}`;
}
