// The help texts of the nodes (nodes/locales/en-US/<node>.html, the editor's help sidebar): in
// every list of properties, each description belongs to the term above it, so no description
// ends up under another property's name; and every setting of a node's dialog is named in its help.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const nodes = new URL('../../nodes/', import.meta.url);
const locales = new URL('../../nodes/locales/en-US/', import.meta.url);
const helpFiles = readdirSync(locales).filter((file) => file.endsWith('.html'));

/** The terms of the help's property lists that have more than one description. */
function termsWithTwoDescriptions(html: string): string[] {
  const found: string[] = [];
  let term: string | null = null;
  let described = false;
  for (const [, tag, text] of html.matchAll(/<(dl|dt|dd)\b[^>]*>([^<]*)/g)) {
    if (tag === 'dl') term = null;
    else if (tag === 'dt') [term, described] = [text!.trim(), false];
    else if (described) found.push(term ?? '(no term)');
    else described = true;
  }
  return found;
}

describe('help texts', () => {
  it.each(helpFiles)('%s: each property has one description, under its own name', (file) => {
    expect(termsWithTwoDescriptions(readFileSync(new URL(file, locales), 'utf8'))).toEqual([]);
  });

  it.each(helpFiles)('%s: names every setting of the dialog', (file) => {
    const help = readFileSync(new URL(file, locales), 'utf8').replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').toLowerCase();
    // A unit in brackets ("Timeout (ms)") need not be repeated in the prose.
    const unnamed = dialogSettings(file).filter(({ label }) => !help.includes(label.replace(/\s*\(.*\)$/, '').toLowerCase()));
    expect(unnamed).toEqual([]);
  });

  it('finds the settings of every dialog that has some', () => {
    const counts = helpFiles.map((file) => dialogSettings(file).length);
    // Only merge identity's dialog has no setting of its own (engine and name rows are shared).
    expect(counts.filter((n) => n === 0)).toHaveLength(1);
    expect(counts.reduce((a, b) => a + b)).toBeGreaterThan(100);
  });
});

/** A dialog's rows with their labels from the node's message catalogue. */
function dialogSettings(file: string): { property: string; label: string }[] {
  const node = file.replace(/\.html$/, '');
  const dialog = readFileSync(new URL(file, nodes), 'utf8');
  const catalogue = JSON.parse(readFileSync(new URL(`${node}.json`, locales), 'utf8')) as Record<string, unknown>;
  return [...dialog.matchAll(/data-property="([^"]+)"[^>]*data-label="([^"]+)"/g)].map(([, property, key]) => {
    const label = key!.split('.').reduce<unknown>((entry, part) => (entry as Record<string, unknown> | undefined)?.[part], catalogue);
    if (typeof label !== 'string') throw new Error(`${node}: the label ${key} of ${property} is not in ${node}.json`);
    return { property: property!, label };
  });
}
