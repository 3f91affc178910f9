// What one message on a channel can carry (DESIGN.md section 6). Plain JSON: profiles are shown in
// the editor and returned by the API. `null` means "not supported" for a capability and
// "no limit" for a number. Lengths count UTF-16 code units (JavaScript's `length`), which is what
// Telegram counts and never less than what the other providers count.

import type { ButtonAction } from '../content/choices';
import type { MediaKind } from '../content/media';

export interface SegmentSize {
  /** Units in a message sent as one segment. */
  single: number;
  /** Units per segment of a concatenated message (the rest carries the concatenation header). */
  part: number;
}

export interface SegmentLimits {
  /** Septets; extension-table characters take two. */
  gsm7: SegmentSize;
  /** UTF-16 code units. */
  ucs2: SegmentSize;
  /**
   * Most segments one delivery may cost, all its messages together. Longer text a person wrote
   * is cut; longer generated text (numbered options, links) is refused.
   */
  maxParts: number;
}

/** The first rule whose kinds and MIME types match a file decides its size limit. */
export interface MediaRule {
  /** Absent: every kind. */
  kinds?: MediaKind[];
  /** Absent: every MIME type. */
  mimeTypes?: string[];
  maxBytes: number | null;
}

export interface MediaLimits {
  /** A file that no rule matches cannot be sent as media: it goes out as a link. */
  rules: MediaRule[];
  /** Longer captions go out as a separate text; 0 for channels whose media has no caption. */
  captionMax: number | null;
}

export interface ChoiceLimits {
  max: number | null;
  titleMax: number | null;
  /** UTF-8 bytes of what a reply choice sends back (Telegram: 64). */
  postbackMaxBytes: number | null;
}

export interface ButtonLimits extends ChoiceLimits {
  /** What the channel's buttons can do; other buttons degrade. */
  actions: ButtonAction[];
}

export interface CardLimits {
  titleMax: number | null;
  subtitleMax: number | null;
  /** null: cards on this channel have no buttons. */
  buttons: ButtonLimits | null;
}

export interface CarouselLimits {
  minCards: number;
  maxCards: number | null;
}

export interface ListLimits {
  maxSections: number | null;
  /** Rows across all sections. */
  maxRows: number | null;
  rowTitleMax: number | null;
  rowDescriptionMax: number | null;
  rowIdMaxBytes: number | null;
  sectionTitleMax: number | null;
  /** The label of the button that opens the list. */
  buttonMax: number | null;
}

export interface SessionWindow {
  /**
   * How long after the customer's last inbound message free-form content may be sent. Outside
   * the window only templates go out (when the channel has them).
   */
  durationMs: number;
}

export interface Capabilities {
  /**
   * Longest text of one message; longer text is split into several messages. With `segments`,
   * at least one segment (160), as messages are then made of whole segments.
   */
  maxTextLength: number | null;
  /** SMS segmentation; null on channels that do not bill by segment. */
  segments: SegmentLimits | null;
  media: MediaLimits | null;
  /** Buttons attached to a message. */
  buttons: ButtonLimits | null;
  /** Reply chips that disappear once one is picked (Messenger quick replies, RCS suggestions). */
  quickReplies: ChoiceLimits | null;
  cards: CardLimits | null;
  /** Needs `cards` too: their limits apply to each card of a carousel. */
  carousel: CarouselLimits | null;
  lists: ListLimits | null;
  location: boolean;
  contacts: boolean;
  templates: boolean;
  sessionWindow: SessionWindow | null;
  typing: boolean;
  readReceipts: boolean;
  /** Shows `system` notices as such; elsewhere they go out as text. */
  system: boolean;
  /** Carries `custom:<ns>` content; elsewhere it cannot be sent. */
  custom: boolean;
}

/** A partial capabilities object: objects merge field by field, arrays and null replace. */
export type CapabilitiesOverride = { [K in keyof Capabilities]?: Overriding<Capabilities[K]> };

type Overriding<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: Overriding<T[K]> }
    : T;
