import type { Content } from '../content';
import type { Degradation, ReplyOption, TranscodeFailureCode } from './types';

/** Content reshaped for a channel, before text is fitted to its length limits. */
export type Shaped =
  | {
      ok: true;
      parts: Content[];
      options: ReplyOption[];
      /**
       * Text was made from structure (choices, links, a contact): cutting it would lose what
       * the structure carried, so it is split or refused, never cut.
       */
      generated: boolean;
    }
  | Refusal;

/** Content the channel cannot take in any form. */
export interface Refusal {
  ok: false;
  code: TranscodeFailureCode;
  reason: string;
}

export function shaped(parts: Content[], generated = false, options: ReplyOption[] = []): Shaped {
  return { ok: true, parts, options, generated };
}

/** Records degradations, with paths into the content first given to `transcode`. */
export interface Notes {
  add(rule: string, field: string, reason: string): void;
  /** The notes of content nested in `field` (a template's fallback). */
  within(field: string): Notes;
}

export function notesInto(degradations: Degradation[], prefix = ''): Notes {
  const at = (field: string): string => [prefix, field].filter((part) => part !== '').join('.');
  return {
    add: (rule, field, reason) => degradations.push({ rule, path: at(field), reason }),
    within: (field) => notesInto(degradations, at(field)),
  };
}
