// The content union of DESIGN.md section 5. Every message, whatever channel it came from or goes
// to, is one of these; the transcoder turns it into what a target channel can carry.

import type { Json } from '../model';

export interface TextContent {
  type: 'text';
  text: string;
}

export interface MediaContent {
  type: 'media';
  url: string;
  /** Decides the media kind (see `mediaKind`) and which channel limits apply. */
  mimeType: string;
  filename?: string;
  caption?: string;
  /** When absent the transcoder cannot check size limits and assumes the file fits. */
  sizeBytes?: number;
}

export interface LocationContent {
  type: 'location';
  latitude: number;
  longitude: number;
  label?: string;
  address?: string;
}

/** vCard fields (FN, N, ORG, TITLE, TEL, EMAIL, URL, ADR) in the shape WhatsApp and Telegram use. */
export interface ContactContent {
  type: 'contact';
  /** Formatted name (vCard FN). */
  name: string;
  givenName?: string;
  familyName?: string;
  organization?: string;
  jobTitle?: string;
  phones?: ContactPhone[];
  emails?: ContactEmail[];
  urls?: string[];
  /** Postal address on one line. */
  address?: string;
}

export interface ContactPhone {
  number: string;
  /** `mobile`, `work`, ... */
  label?: string;
}

export interface ContactEmail {
  address: string;
  label?: string;
}

/**
 * A button opens `url`, calls `phone`, or (with neither) is a reply that sends back its
 * postback (`postback`, else `id`, else `title`; see `choicePostback`).
 */
export interface Button {
  id?: string;
  title: string;
  postback?: string;
  url?: string;
  phone?: string;
}

export interface QuickReply {
  title: string;
  postback?: string;
}

export interface Card {
  title: string;
  subtitle?: string;
  imageUrl?: string;
  buttons?: Button[];
}

export interface Carousel {
  cards: Card[];
}

/** `cards` are stacked, a `carousel` scrolls sideways; one message carries one or the other. */
export interface RichContent {
  type: 'rich';
  text?: string;
  buttons?: Button[];
  quickReplies?: QuickReply[];
  cards?: Card[];
  carousel?: Carousel;
}

export interface ListRow {
  /** Sent back when the row is chosen. */
  id: string;
  title: string;
  description?: string;
}

export interface ListSection {
  title?: string;
  rows: ListRow[];
}

export interface ListContent {
  type: 'list';
  text: string;
  /** Label of the button that opens the list. */
  button: string;
  sections: ListSection[];
}

export interface TemplateContent {
  type: 'template';
  name: string;
  /** `en`, `en_US`, `pt-BR`, ... */
  language: string;
  /** Positional (`{{1}}`, `{{2}}`) or named parameters. */
  parameters?: string[] | Record<string, string>;
  /** Sent instead on channels without templates. */
  fallback?: FallbackContent;
}

export interface SystemContent {
  type: 'system';
  text: string;
  /** Machine-readable kind of notice (`agent_joined`, ...). */
  code?: string;
}

export interface CustomContent {
  type: `custom:${string}`;
  data?: Json;
}

export type Content =
  | TextContent
  | MediaContent
  | LocationContent
  | ContactContent
  | RichContent
  | ListContent
  | TemplateContent
  | SystemContent
  | CustomContent;

/** A template's fallback is sent where templates are not: it cannot be a template itself. */
export type FallbackContent = Exclude<Content, TemplateContent>;

export type ContentType = Content['type'];

export function isCustomContent(content: Content): content is CustomContent {
  return content.type.startsWith('custom:');
}
