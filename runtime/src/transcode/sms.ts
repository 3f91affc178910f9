// SMS encoding and segmentation as carriers and Twilio's segment calculator do it: GSM-7 when every
// character is in the GSM alphabet, else UCS-2; one segment up to `single` units, else `part`
// units per segment, and neither an escape pair nor a surrogate pair straddles two segments.

import { standardSmsSegments, type SegmentLimits } from '../capabilities';
import { gsm7Septets } from './gsm7';
import { cuttableUnits } from './graphemes';
import type { SmsEncoding } from './types';

export { smartEncode } from './smartEncoding';

export type SegmentSizes = Pick<SegmentLimits, 'gsm7' | 'ucs2'>;

export interface SegmentCount {
  encoding: SmsEncoding;
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text. */
  units: number;
}

export function smsEncoding(text: string): SmsEncoding {
  for (const char of text) if (gsm7Septets(char) === null) return 'UCS-2';
  return 'GSM-7';
}

function unitCounter(encoding: SmsEncoding): (text: string) => number {
  if (encoding === 'UCS-2') return (text) => text.length;
  return (text) => Array.from(text).reduce((sum, char) => sum + (gsm7Septets(char) ?? 0), 0);
}

/** Fills parts of `capacity` units in order, never splitting an item. */
function pack(items: string[], unitsOf: (item: string) => number, capacity: number): string[] {
  const parts: string[] = [];
  let current = '';
  let used = 0;
  for (const item of items) {
    const units = unitsOf(item);
    if (used + units > capacity && current !== '') {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += item;
    used += units;
  }
  if (current !== '') parts.push(current);
  return parts;
}

export function countSegments(text: string, sizes: SegmentSizes = standardSmsSegments): SegmentCount {
  const encoding = smsEncoding(text);
  const size = encoding === 'GSM-7' ? sizes.gsm7 : sizes.ucs2;
  const unitsOf = unitCounter(encoding);
  const units = unitsOf(text);
  // Code points are the indivisible items: an escape pair is one GSM character, a surrogate pair one code point.
  const segments = units <= size.single ? 1 : pack(Array.from(text), unitsOf, size.part).length;
  return { encoding, segments, units };
}

/**
 * The text as the parts of a concatenated SMS, cut between graphemes. With `maxParts` only the
 * first `maxParts` parts are returned (a single part then holds a full single segment).
 */
export function splitSms(text: string, maxParts?: number, sizes: SegmentSizes = standardSmsSegments): string[] {
  if (maxParts !== undefined && !(Number.isInteger(maxParts) && maxParts >= 1)) {
    throw new RangeError(`maxParts must be a positive integer, got ${maxParts}`);
  }
  const encoding = smsEncoding(text);
  const size = encoding === 'GSM-7' ? sizes.gsm7 : sizes.ucs2;
  const unitsOf = unitCounter(encoding);
  if (unitsOf(text) <= size.single) return [text];
  const capacity = maxParts === 1 ? size.single : size.part;
  const parts = pack(cuttableUnits(text, capacity, unitsOf), unitsOf, capacity);
  return maxParts === undefined ? parts : parts.slice(0, maxParts);
}
