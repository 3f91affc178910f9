// The reply choices a message offers on the chat page: reply buttons (rich text, cards, carousel),
// quick replies and list rows, numbered in the order the page shows them. A click sends the
// choice's postback back as a reply to that message.
import { buttonAction, choicePostback } from '../content/choices';
import type { Content } from '../model';

export interface ReplyChoice {
  number: number;
  title: string;
  postback: string;
}

interface ButtonLike {
  title: string;
  postback?: string;
  id?: string;
  url?: string;
  phone?: string;
}

function asArray(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value.filter((v) => v && typeof v === 'object') as Record<string, unknown>[]) : [];
}

export function replyChoices(content: Content): ReplyChoice[] {
  const found: { title: string; postback: string }[] = [];
  const buttons = (list: unknown) => {
    for (const button of asArray(list) as unknown as ButtonLike[]) {
      if (typeof button.title === 'string' && buttonAction(button) === 'reply') found.push({ title: button.title, postback: choicePostback(button) });
    }
  };
  if (content.type === 'rich') {
    buttons(content.buttons);
    for (const card of asArray(content.cards)) buttons(card.buttons);
    const carousel = content.carousel as { cards?: unknown } | undefined;
    for (const card of asArray(carousel?.cards)) buttons(card.buttons);
    buttons(content.quickReplies);
  } else if (content.type === 'list') {
    for (const section of asArray(content.sections)) {
      for (const row of asArray(section.rows)) {
        if (typeof row.title === 'string' && typeof row.id === 'string') found.push({ title: row.title, postback: row.id });
      }
    }
  }
  return found.map((choice, i) => ({ number: i + 1, ...choice }));
}
