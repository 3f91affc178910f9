// The help texts of the nodes (nodes/locales/en-US/<node>.html, the editor's help sidebar): in
// every list of properties, each description belongs to the term above it, so no description
// ends up under another property's name.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

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
});
