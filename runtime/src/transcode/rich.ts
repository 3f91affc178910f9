// Rich content keeps every part the channel carries within its limits and degrades each other
// part on its own: a carousel to stacked cards, buttons to quick replies or the reverse, choices
// to a list, and whatever is left to numbered text appended to the message text.

import type { Capabilities } from '../capabilities';
import { buttonAction, choicePostback, type Button, type Card, type ListContent, type RichContent } from '../content';
import { buttonsMisfit, cardsMisfit, carouselMisfit, choicesMisfit, listMisfit } from './misfit';
import { shaped, type Notes, type Shaped } from './shaped';
import { cardBlock, choicesBlock, joinBlocks } from './textForms';
import type { ReplyOption, TranscodeContext } from './types';

// A quick reply is a button without link or phone: both groups are handled as buttons.
interface Kept {
  buttons?: Button[];
  quickReplies?: Button[];
  cards?: Card[];
  carousel?: RichContent['carousel'];
}

type ChoiceGroup = 'buttons' | 'quickReplies';

function allReplies(choices: Button[]): boolean {
  return choices.every((choice) => buttonAction(choice) === 'reply');
}

function asReplies(choices: Button[]): Button[] {
  return choices.map((choice) => ({ title: choice.title, postback: choicePostback(choice) }));
}

export function transcodeRich(rich: RichContent, capabilities: Capabilities, context: TranscodeContext, notes: Notes): Shaped {
  const kept: Kept = {};
  const textBlocks: string[] = [];
  const options: ReplyOption[] = [];
  let changed = false;
  const degrade = (rule: string, field: string, reason: string): void => {
    notes.add(rule, field, reason);
    changed = true;
  };
  const flatten = (cards: Card[]): void => {
    textBlocks.push(...cards.map((card) => cardBlock(card, options)));
  };

  if (rich.carousel) {
    const cards = rich.carousel.cards;
    const notCarousel = carouselMisfit(cards, capabilities);
    const notCards = cardsMisfit(cards, capabilities.cards, 'carousel.cards');
    if (notCarousel === null) kept.carousel = rich.carousel;
    else if (notCards === null) {
      kept.cards = cards;
      degrade('carousel.to_cards', 'carousel', notCarousel);
    } else {
      flatten(cards);
      degrade('carousel.to_text', 'carousel', notCards);
    }
  }
  if (rich.cards) {
    const notCards = cardsMisfit(rich.cards, capabilities.cards, 'cards');
    if (notCards === null) kept.cards = rich.cards;
    else {
      flatten(rich.cards);
      degrade('cards.to_text', 'cards', notCards);
    }
  }

  const groups = {
    buttons: { rule: 'buttons', misfit: (choices: Button[], path: string) => buttonsMisfit(choices, capabilities.buttons, 'buttons', path) },
    quickReplies: {
      rule: 'quick_replies',
      misfit: (choices: Button[], path: string) => choicesMisfit(choices, capabilities.quickReplies, 'quick replies', path),
    },
  };
  // Text with a single group of reply choices can become a list, which holds more of them.
  const asList = (choices: Button[]): ListContent | null => {
    const text = rich.text;
    if (text === undefined || rich.cards || rich.carousel || (rich.buttons && rich.quickReplies) || !allReplies(choices)) return null;
    const rows = asReplies(choices).map((choice) => ({ id: choice.postback ?? choice.title, title: choice.title }));
    if (new Set(rows.map((row) => row.id)).size !== rows.length) return null;
    const list: ListContent = { type: 'list', text, button: context.listButtonLabel ?? 'Options', sections: [{ rows }] };
    return listMisfit(list, capabilities.lists) === null ? list : null;
  };

  for (const [field, other] of [['buttons', 'quickReplies'], ['quickReplies', 'buttons']] satisfies [ChoiceGroup, ChoiceGroup][]) {
    const choices: Button[] | undefined = rich[field];
    if (choices === undefined) continue;
    const notFit = groups[field].misfit(choices, field);
    if (notFit === null) {
      kept[field] = choices;
      continue;
    }
    const rule = groups[field].rule;
    if (rich[other] === undefined && allReplies(choices) && groups[other].misfit(choices, field) === null) {
      kept[other] = asReplies(choices);
      degrade(`${rule}.to_${groups[other].rule}`, field, notFit);
      continue;
    }
    const list = asList(choices);
    if (list) {
      notes.add(`${rule}.to_list`, field, notFit);
      return shaped([list]);
    }
    textBlocks.push(choicesBlock(choices, options));
    degrade(`${rule}.to_text`, field, notFit);
  }

  if (!changed) return shaped([rich]);
  const text = joinBlocks([...(rich.text === undefined ? [] : [rich.text]), ...textBlocks]);
  const generated = textBlocks.length > 0;
  if (Object.keys(kept).length === 0) return shaped([{ type: 'text', text }], generated, options);
  return shaped([{ type: 'rich', ...(text === '' ? {} : { text }), ...kept }], generated, options);
}
