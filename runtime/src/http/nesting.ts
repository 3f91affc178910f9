// How deep a body nests, found without recursion: a body nested thousands of levels deep is a few
// kilobytes, and anything that walks it recursively (a deep clone, a schema, a serializer) runs out
// of stack. The limit is the engine's own (MAX_JSON_DEPTH), so what passes here also passes the
// engine's validation.
import { MAX_JSON_DEPTH } from '../validation';

const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Whether JSON text nests objects and arrays more than `maxDepth` levels deep. It counts brackets
 * outside strings in one pass over the bytes and does not check that the text is JSON: valid JSON
 * gets the exact answer, anything else is left to the parser that comes next.
 */
export function jsonNestsDeeperThan(text: Buffer | string, maxDepth = MAX_JSON_DEPTH): boolean {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      // UTF-8 continuation bytes are >= 0x80, so a quote or backslash byte is always that character.
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++depth > maxDepth) return true;
    } else if ((byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) && depth > 0) {
      depth--;
    }
  }
  return false;
}

/** Whether a parsed value nests objects and arrays more than `maxDepth` levels deep (no recursion). */
export function valueNestsDeeperThan(value: unknown, maxDepth = MAX_JSON_DEPTH): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  const seen = new Set<object>();
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    if (depth + 1 > maxDepth) return true;
    // A shared or circular object is walked once: its depth from the first path is enough to stop
    // the walk from looping, and a cycle is refused later by the engine's validation.
    seen.add(current);
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return false;
}
