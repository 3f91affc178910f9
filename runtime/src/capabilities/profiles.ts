// Built-in profiles with the providers' published numbers (CHANNELS.md; figures marked "verify"
// there are used as published until checked). A channel picks one by name and may override parts
// of it (see `capabilitiesFor`).

import type { ButtonLimits, Capabilities, ChoiceLimits, SegmentLimits } from './types';

const KB = 1024;
const MB = 1024 * KB;
const HOUR = 60 * 60 * 1000;

/** 3GPP TS 23.038 / 23.040 sizes; 10 parts caps the cost of one message at ten SMS. */
export const standardSmsSegments: SegmentLimits = {
  gsm7: { single: 160, part: 153 },
  ucs2: { single: 70, part: 67 },
  maxParts: 10,
};

const anyChoices: ChoiceLimits = { max: null, titleMax: null, postbackMaxBytes: null };
const anyButtons: ButtonLimits = { ...anyChoices, actions: ['reply', 'url', 'phone'] };
const linkButtons: ButtonLimits = { ...anyChoices, actions: ['url'] };

const nothingRich = {
  buttons: null,
  quickReplies: null,
  cards: null,
  carousel: null,
  lists: null,
} satisfies Partial<Capabilities>;

/** Carries every content unchanged: webhooks, AI bindings, channels of unknown type. */
const webhook: Capabilities = {
  maxTextLength: null,
  segments: null,
  media: { rules: [{ maxBytes: null }], captionMax: null },
  buttons: anyButtons,
  quickReplies: anyChoices,
  cards: { titleMax: null, subtitleMax: null, buttons: anyButtons },
  carousel: { minCards: 1, maxCards: null },
  lists: {
    maxSections: null,
    maxRows: null,
    rowTitleMax: null,
    rowDescriptionMax: null,
    rowIdMaxBytes: null,
    sectionTitleMax: null,
    buttonMax: null,
  },
  location: true,
  contacts: true,
  templates: true,
  sessionWindow: null,
  typing: true,
  readReceipts: true,
  system: true,
  custom: true,
};

const sms: Capabilities = {
  ...nothingRich,
  // Twilio rejects a Body over 1,600 characters.
  maxTextLength: 1600,
  segments: standardSmsSegments,
  media: null,
  location: false,
  contacts: false,
  templates: false,
  sessionWindow: null,
  typing: false,
  readReceipts: false,
  system: false,
  custom: false,
};

const mms: Capabilities = {
  ...sms,
  segments: null,
  media: {
    rules: [
      { mimeTypes: ['image/jpeg', 'image/png', 'image/gif'], maxBytes: 5 * MB },
      { maxBytes: 500 * KB },
    ],
    captionMax: 1600,
  },
};

// Meta's interactive messages: header text 60, body 1,024, 3 reply buttons.
const whatsappButtons: ButtonLimits = { max: 3, titleMax: 20, postbackMaxBytes: 256, actions: ['reply'] };

const whatsapp: Capabilities = {
  maxTextLength: 4096,
  segments: null,
  media: {
    rules: [
      { kinds: ['image'], maxBytes: 5 * MB },
      { kinds: ['video', 'audio'], maxBytes: 16 * MB },
      { kinds: ['file'], maxBytes: 100 * MB },
    ],
    captionMax: 1024,
  },
  buttons: whatsappButtons,
  quickReplies: null,
  cards: { titleMax: 60, subtitleMax: 1024, buttons: whatsappButtons },
  // Only template carousels exist; a free-form carousel goes out as cards.
  carousel: null,
  lists: {
    maxSections: 10,
    maxRows: 10,
    rowTitleMax: 24,
    rowDescriptionMax: 72,
    rowIdMaxBytes: 200,
    sectionTitleMax: 24,
    buttonMax: 20,
  },
  location: true,
  contacts: true,
  templates: true,
  sessionWindow: { durationMs: 24 * HOUR },
  typing: true,
  readReceipts: true,
  system: false,
  custom: false,
};

const messengerButtons: ButtonLimits = { max: 3, titleMax: 20, postbackMaxBytes: 1000, actions: ['reply', 'url', 'phone'] };

const messenger: Capabilities = {
  maxTextLength: 2000,
  segments: null,
  // Attachments have no caption: it goes out as a separate text.
  media: { rules: [{ maxBytes: 25 * MB }], captionMax: 0 },
  buttons: messengerButtons,
  quickReplies: { max: 13, titleMax: 20, postbackMaxBytes: 1000 },
  cards: { titleMax: 80, subtitleMax: 80, buttons: messengerButtons },
  carousel: { minCards: 1, maxCards: 10 },
  lists: null,
  // Messenger can only request a location, not send one.
  location: false,
  contacts: false,
  // Message tags rather than templates: outside the window nothing free-form goes out.
  templates: false,
  sessionWindow: { durationMs: 24 * HOUR },
  typing: true,
  readReceipts: true,
  system: false,
  custom: false,
};

const telegram: Capabilities = {
  ...nothingRich,
  maxTextLength: 4096,
  segments: null,
  media: { rules: [{ kinds: ['image'], maxBytes: 10 * MB }, { maxBytes: 50 * MB }], captionMax: 1024 },
  // Inline keyboards: callback data of 1-64 bytes, or a URL.
  buttons: { max: null, titleMax: null, postbackMaxBytes: 64, actions: ['reply', 'url'] },
  location: true,
  contacts: true,
  templates: false,
  sessionWindow: null,
  typing: true,
  readReceipts: false,
  system: false,
  custom: false,
};

const email: Capabilities = {
  ...nothingRich,
  maxTextLength: null,
  segments: null,
  media: { rules: [{ maxBytes: 25 * MB }], captionMax: null },
  // HTML mail shows links, cards and card rows; a reply choice needs a numbered line to answer.
  buttons: linkButtons,
  cards: { titleMax: null, subtitleMax: null, buttons: linkButtons },
  carousel: { minCards: 1, maxCards: null },
  location: false,
  contacts: false,
  templates: true,
  sessionWindow: null,
  typing: false,
  readReceipts: false,
  system: false,
  custom: false,
};

const rcsSuggestions: ButtonLimits = { max: 11, titleMax: 25, postbackMaxBytes: 2048, actions: ['reply', 'url', 'phone'] };

const rcs: Capabilities = {
  maxTextLength: 3072,
  segments: null,
  // A file message has no caption; text goes alongside.
  media: { rules: [{ maxBytes: 100 * MB }], captionMax: 0 },
  buttons: rcsSuggestions,
  quickReplies: { max: 11, titleMax: 25, postbackMaxBytes: 2048 },
  cards: { titleMax: 200, subtitleMax: 2000, buttons: { ...rcsSuggestions, max: 4 } },
  carousel: { minCards: 2, maxCards: 10 },
  // No lists: suggestions stand in for them.
  lists: null,
  location: false,
  contacts: false,
  templates: true,
  sessionWindow: null,
  typing: true,
  readReceipts: true,
  system: false,
  custom: false,
};

/** Our own web chat renders everything but templates, which only providers hold. */
const webchat: Capabilities = { ...webhook, templates: false };

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

export const GENERIC_PROFILE = 'webhook';

export const profiles: Record<string, Capabilities> = deepFreeze({
  sms,
  mms,
  whatsapp,
  messenger,
  telegram,
  email,
  rcs,
  webchat,
  webhook,
});
