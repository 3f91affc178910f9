// Splits a text that is over a channel's length limit into several messages. Each cut falls
// between graphemes, at the best boundary in the second half of the message: a blank line, else a
// line end, else a sentence end, else a space. Nothing is trimmed: the parts join back to the text.

import { cuttableUnits } from './graphemes';

type Boundary = (items: string[], index: number) => boolean;

const endsLine = (grapheme: string | undefined): boolean => grapheme?.endsWith('\n') ?? false;
const isSpace = (grapheme: string | undefined): boolean => grapheme !== undefined && /^\s+$/u.test(grapheme);

// Each test looks at the graphemes just before a candidate cut at `index`.
const boundaries: Boundary[] = [
  (items, index) => endsLine(items[index - 1]) && endsLine(items[index - 2]),
  (items, index) => endsLine(items[index - 1]),
  (items, index) => isSpace(items[index - 1]) && /[.!?]$/u.test(items[index - 2] ?? ''),
  (items, index) => isSpace(items[index - 1]),
];

function cutIndex(items: string[], start: number, end: number): number {
  const earliest = start + Math.ceil((end - start) / 2);
  for (const boundary of boundaries) {
    for (let index = end; index >= earliest; index--) if (boundary(items, index)) return index;
  }
  return end;
}

/** Parts of at most `maxLength` UTF-16 code units each. */
export function splitText(text: string, maxLength: number): string[] {
  const items = cuttableUnits(text, maxLength, (grapheme) => grapheme.length);
  const parts: string[] = [];
  let start = 0;
  while (start < items.length) {
    let end = start;
    let length = 0;
    while (end < items.length && length + items[end].length <= maxLength) length += items[end++].length;
    // A surrogate pair alone over a 1-unit limit still has to go somewhere.
    if (end === start) end++;
    if (end < items.length) end = cutIndex(items, start, end);
    parts.push(items.slice(start, end).join(''));
    start = end;
  }
  return parts;
}
