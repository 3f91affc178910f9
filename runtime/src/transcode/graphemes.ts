// What a reader sees as one character (a flag, a family emoji, a letter with its accents) is a
// grapheme cluster of several code points; text is only ever cut between clusters.

const segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });

export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), ({ segment }) => segment);
}

/**
 * Graphemes of text, except that a grapheme longer than `maxUnits` (a pathological stack of
 * combining marks) is given as its code points, so that it can still be cut somewhere.
 */
export function cuttableUnits(text: string, maxUnits: number, unitsOf: (grapheme: string) => number): string[] {
  return graphemes(text).flatMap((grapheme) => (unitsOf(grapheme) > maxUnits ? Array.from(grapheme) : [grapheme]));
}
