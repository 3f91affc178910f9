import type { Capabilities } from '../capabilities';
import type { Content } from '../content';

/** Everything the transcoder knows about the moment and the target; it reads nothing else. */
export interface TranscodeContext {
  /** Current time in ms since the epoch. */
  now: number;
  /**
   * End of the target's session window (ms). Null or absent: closed. Only read for channels
   * with a session window.
   */
  sessionWindowOpenUntil?: number | null;
  /** The target binding's content for when the window is closed and the content is no template. */
  bindingFallback?: Content;
  sms?: {
    /** Most segments this delivery may cost (default: the channel's `segments.maxParts`). */
    maxParts?: number;
    /** Replace typographic characters when that makes a UCS-2 text GSM-7 (default true). */
    smartEncoding?: boolean;
  };
  /** Label of the button that opens a list made from buttons (default `Options`). */
  listButtonLabel?: string;
}

/** A change the transcoder made because the target could not carry the content as it was. */
export interface Degradation {
  /** Which rule applied, e.g. `buttons.to_text`. */
  rule: string;
  /** Where in the content (`buttons`, `fallback.carousel`, `caption`), `''` for all of it. */
  path: string;
  reason: string;
}

/** A choice offered as a numbered line of text; a reply with its number or title picks it. */
export interface ReplyOption {
  number: number;
  title: string;
  postback: string;
}

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export type TranscodeFailureCode =
  /** The session window is closed and neither a template nor the binding's fallback can go. */
  | 'outside_window'
  /** The text is over the SMS part budget and cutting it would hide numbered options. */
  | 'too_long'
  /** The channel cannot carry it and there is no text form: custom content, a template without fallback. */
  | 'unsupported';

export type TranscodeResult =
  | {
      ok: true;
      /** Messages to send, in order. */
      parts: Content[];
      degradations: Degradation[];
      /** On SMS channels: what the parts cost, in total. */
      sms?: { encoding: SmsEncoding; segments: number };
      /** The numbered options offered, when choices were flattened to text. */
      options?: ReplyOption[];
    }
  | { ok: false; code: TranscodeFailureCode; reason: string; degradations: Degradation[] };

/** The transcoder's signature, for an engine that accepts a replacement. */
export type Transcoder = (content: Content, capabilities: Capabilities, context: TranscodeContext) => TranscodeResult;
