// Why a piece of content does not fit a channel's limits, or null when it fits. The reason goes
// into the degradation record, so it names the limit and the offending field.

import type { ButtonLimits, CardLimits, Capabilities, ChoiceLimits, ListLimits, MediaLimits } from '../capabilities';
import { buttonAction, choicePostback, mediaKind, type Button, type Card, type ListContent, type MediaContent } from '../content';

const actionVerbs = { reply: 'send replies', url: 'open links', phone: 'call' } as const;

function over(limit: number | null, value: number): boolean {
  return limit !== null && value > limit;
}

function longer(path: string, limit: number | null, value: string | undefined): string | null {
  return value !== undefined && over(limit, value.length) ? `${path} is longer than ${limit}` : null;
}

/** `noun` names the kind in a sentence (`quick replies`), `path` the field (`quickReplies`). */
export function choicesMisfit(choices: Button[], limits: ChoiceLimits | null, noun: string, path: string): string | null {
  if (limits === null) return `the channel has no ${noun}`;
  if (over(limits.max, choices.length)) return `${choices.length} ${noun}, the channel allows ${limits.max}`;
  for (const [index, choice] of choices.entries()) {
    const title = longer(`${path}[${index}].title`, limits.titleMax, choice.title);
    if (title) return title;
    if (buttonAction(choice) === 'reply' && over(limits.postbackMaxBytes, Buffer.byteLength(choicePostback(choice)))) {
      return `${path}[${index}] sends back more than ${limits.postbackMaxBytes} bytes`;
    }
  }
  return null;
}

export function buttonsMisfit(buttons: Button[], limits: ButtonLimits | null, noun: string, path: string): string | null {
  const choices = choicesMisfit(buttons, limits, noun, path);
  if (choices !== null || limits === null) return choices;
  for (const [index, button] of buttons.entries()) {
    const action = buttonAction(button);
    if (!limits.actions.includes(action)) return `${path}[${index}]: the channel's ${noun} cannot ${actionVerbs[action]}`;
  }
  return null;
}

function cardMisfit(card: Card, limits: CardLimits, path: string): string | null {
  const text =
    longer(`${path}.title`, limits.titleMax, card.title) ?? longer(`${path}.subtitle`, limits.subtitleMax, card.subtitle);
  if (text !== null || card.buttons === undefined) return text;
  return buttonsMisfit(card.buttons, limits.buttons, 'buttons on cards', `${path}.buttons`);
}

export function cardsMisfit(cards: Card[], limits: CardLimits | null, path: string): string | null {
  if (limits === null) return 'the channel has no cards';
  for (const [index, card] of cards.entries()) {
    const why = cardMisfit(card, limits, `${path}[${index}]`);
    if (why) return why;
  }
  return null;
}

export function carouselMisfit(cards: Card[], capabilities: Capabilities): string | null {
  const limits = capabilities.carousel;
  if (limits === null) return 'the channel has no carousels';
  if (cards.length < limits.minCards || over(limits.maxCards, cards.length)) {
    const range = limits.maxCards === null ? `at least ${limits.minCards}` : `${limits.minCards} to ${limits.maxCards}`;
    return `${cards.length} cards, the channel's carousels take ${range}`;
  }
  return cardsMisfit(cards, capabilities.cards, 'carousel.cards');
}

export function listMisfit(list: ListContent, limits: ListLimits | null): string | null {
  if (limits === null) return 'the channel has no lists';
  const rows = list.sections.reduce((sum, section) => sum + section.rows.length, 0);
  if (over(limits.maxSections, list.sections.length)) return `${list.sections.length} sections, the channel allows ${limits.maxSections}`;
  if (over(limits.maxRows, rows)) return `${rows} rows, the channel allows ${limits.maxRows}`;
  const button = longer('button', limits.buttonMax, list.button);
  if (button) return button;
  for (const [sectionIndex, section] of list.sections.entries()) {
    const at = `sections[${sectionIndex}]`;
    const title = longer(`${at}.title`, limits.sectionTitleMax, section.title);
    if (title) return title;
    for (const [rowIndex, row] of section.rows.entries()) {
      const rowAt = `${at}.rows[${rowIndex}]`;
      const text =
        longer(`${rowAt}.title`, limits.rowTitleMax, row.title) ??
        longer(`${rowAt}.description`, limits.rowDescriptionMax, row.description);
      if (text) return text;
      if (over(limits.rowIdMaxBytes, Buffer.byteLength(row.id))) return `${rowAt}.id is longer than ${limits.rowIdMaxBytes} bytes`;
    }
  }
  return null;
}

export function mediaMisfit(media: MediaContent, limits: MediaLimits | null): string | null {
  if (limits === null) return 'the channel has no media';
  const kind = mediaKind(media.mimeType);
  const mimeType = media.mimeType.toLowerCase();
  const rule = limits.rules.find(
    (candidate) =>
      (candidate.kinds === undefined || candidate.kinds.includes(kind)) &&
      (candidate.mimeTypes === undefined || candidate.mimeTypes.includes(mimeType)),
  );
  if (rule === undefined) return `the channel cannot send ${mimeType} media`;
  if (media.sizeBytes !== undefined && over(rule.maxBytes, media.sizeBytes)) {
    return `${media.sizeBytes} bytes, the channel allows ${rule.maxBytes} for ${mimeType}`;
  }
  return null;
}
