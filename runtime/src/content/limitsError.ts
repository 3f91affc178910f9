// Rules about content that JSON Schema cannot state, or can only state with error messages that
// name no field: exclusive fields, unique ids across arrays, serialized size. Run after the schema
// has accepted the content; anything the schema rejects is ignored here rather than re-reported.

import { contentLimits } from './limits';

export interface ContentLimitsError {
  /** Path inside the content (`buttons[3].url`), `''` for the content itself. */
  field: string;
  message: string;
}

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entries(value: unknown): Fields[] {
  return Array.isArray(value) ? value.filter(isFields) : [];
}

function join(prefix: string, field: string): string {
  return prefix === '' ? field : `${prefix}.${field}`;
}

function buttonsError(buttons: unknown, path: string): ContentLimitsError | null {
  const firstWithId = new Map<unknown, number>();
  for (const [index, button] of entries(buttons).entries()) {
    const at = `${path}[${index}]`;
    if (button.url !== undefined && button.phone !== undefined) {
      return { field: at, message: 'has both url and phone; a button opens a link or calls, not both' };
    }
    if (button.id === undefined) continue;
    const first = firstWithId.get(button.id);
    if (first !== undefined) return { field: `${at}.id`, message: `duplicates ${path}[${first}].id` };
    firstWithId.set(button.id, index);
  }
  return null;
}

function cardsError(cards: unknown, path: string): ContentLimitsError | null {
  for (const [index, card] of entries(cards).entries()) {
    const error = buttonsError(card.buttons, `${path}[${index}].buttons`);
    if (error) return error;
  }
  return null;
}

function richError(rich: Fields, prefix: string): ContentLimitsError | null {
  // Text alone is text content: one form for one thing, so every channel treats it alike.
  const structure = ['buttons', 'quickReplies', 'cards', 'carousel'];
  if (!structure.some((part) => rich[part] !== undefined)) {
    return { field: prefix, message: 'rich content needs buttons, quickReplies, cards or a carousel; plain text is text content' };
  }
  if (rich.cards !== undefined && rich.carousel !== undefined) {
    return { field: join(prefix, 'carousel'), message: 'cards and carousel are exclusive; send stacked cards or a carousel' };
  }
  const carouselCards = isFields(rich.carousel) ? rich.carousel.cards : undefined;
  return (
    buttonsError(rich.buttons, join(prefix, 'buttons')) ??
    cardsError(rich.cards, join(prefix, 'cards')) ??
    cardsError(carouselCards, join(prefix, 'carousel.cards'))
  );
}

// A chosen row comes back as its id: two rows with one id could not be told apart.
function listError(list: Fields, prefix: string): ContentLimitsError | null {
  const firstWithId = new Map<unknown, string>();
  for (const [sectionIndex, section] of entries(list.sections).entries()) {
    for (const [rowIndex, row] of entries(section.rows).entries()) {
      const at = join(prefix, `sections[${sectionIndex}].rows[${rowIndex}].id`);
      const first = firstWithId.get(row.id);
      if (first !== undefined) return { field: at, message: `duplicates ${first}` };
      firstWithId.set(row.id, at);
    }
  }
  return null;
}

function customError(custom: Fields, prefix: string): ContentLimitsError | null {
  if (custom.data === undefined) return null;
  const bytes = Buffer.byteLength(JSON.stringify(custom.data), 'utf8');
  if (bytes <= contentLimits.customDataBytes) return null;
  return { field: join(prefix, 'data'), message: `larger than ${contentLimits.customDataBytes} bytes as JSON` };
}

function errorAt(content: unknown, prefix: string): ContentLimitsError | null {
  if (!isFields(content) || typeof content.type !== 'string') return null;
  if (content.type === 'rich') return richError(content, prefix);
  if (content.type === 'list') return listError(content, prefix);
  if (content.type === 'template') return errorAt(content.fallback, join(prefix, 'fallback'));
  if (content.type.startsWith('custom:')) return customError(content, prefix);
  return null;
}

/** The first limit a schema-valid content breaks beyond its schema, or null. */
export function contentLimitsError(content: unknown): ContentLimitsError | null {
  return errorAt(content, '');
}
