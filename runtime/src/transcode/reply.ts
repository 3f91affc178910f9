import { smartEncode } from './smartEncoding';
import type { ReplyOption } from './types';

// Phones turn typed quotes into curly ones and users vary case and spacing: compare without them.
function normalize(title: string): string {
  return smartEncode(title).trim().replace(/\s+/gu, ' ').toLowerCase();
}

/**
 * The option a plain-text reply picks: its number ("2", " 2 ", "2." or "2)") or, failing that,
 * its exact title. A title that two options share picks neither.
 */
export function matchReply(text: string, options: ReplyOption[]): ReplyOption | null {
  const numbered = /^\s*(\d{1,4})\s*[.)]?\s*$/u.exec(text);
  if (numbered) return options.find((option) => option.number === Number(numbered[1])) ?? null;
  const wanted = normalize(text);
  const matches = options.filter((option) => normalize(option.title) === wanted);
  return matches.length === 1 ? matches[0] : null;
}
