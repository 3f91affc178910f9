import { describe, expect, it } from 'vitest';
import { profiles } from '../../runtime/src/capabilities';
import type { Button, Card, RichContent } from '../../runtime/src/content';
import { transcode } from '../../runtime/src/transcode';
import { context, ok, openWindow } from './support';

const replies = (...titles: string[]): Button[] => titles.map((title) => ({ title, postback: title.toLowerCase() }));
const card = (title: string, buttons?: Button[]): Card => ({ title, subtitle: `About ${title}`, imageUrl: `https://img.example/${title}.png`, ...(buttons ? { buttons } : {}) });

describe('rich content on a plain-text channel (SMS)', () => {
  it('turns reply buttons into numbered lines and offers them as options', () => {
    const rich: RichContent = { type: 'rich', text: 'Pick a plan', buttons: [{ id: 'b1', title: 'Basic' }, { title: 'Pro', postback: 'plan:pro' }] };
    const result = ok(transcode(rich, profiles.sms, context));
    expect(result.parts).toEqual([{ type: 'text', text: 'Pick a plan\n\n1. Basic\n2. Pro' }]);
    expect(result.options).toEqual([
      { number: 1, title: 'Basic', postback: 'b1' },
      { number: 2, title: 'Pro', postback: 'plan:pro' },
    ]);
    expect(result.degradations).toEqual([{ rule: 'buttons.to_text', path: 'buttons', reason: 'the channel has no buttons' }]);
  });

  it('writes link and call buttons as `Title: target` lines without a number', () => {
    const rich: RichContent = {
      type: 'rich',
      text: 'Need help?',
      buttons: [{ title: 'Docs', url: 'https://docs.example' }, { title: 'Call us', phone: '+15551234567' }, { title: 'Chat' }],
    };
    const result = ok(transcode(rich, profiles.sms, context));
    expect(result.parts).toEqual([{ type: 'text', text: 'Need help?\n\nDocs: https://docs.example\nCall us: +15551234567\n1. Chat' }]);
    expect(result.options).toEqual([{ number: 1, title: 'Chat', postback: 'Chat' }]);
  });

  it('numbers carousel cards’ choices and quick replies in one sequence', () => {
    const rich: RichContent = {
      type: 'rich',
      text: 'Our phones',
      carousel: { cards: [card('Alpha', replies('Buy Alpha')), card('Beta', [{ title: 'Specs', url: 'https://beta.example' }, ...replies('Buy Beta')])] },
      quickReplies: [{ title: 'Talk to a human', postback: 'agent' }],
    };
    const result = ok(transcode(rich, profiles.sms, context));
    expect(result.parts).toEqual([
      {
        type: 'text',
        text: [
          'Our phones',
          'Alpha\nAbout Alpha\nhttps://img.example/Alpha.png\n1. Buy Alpha',
          'Beta\nAbout Beta\nhttps://img.example/Beta.png\nSpecs: https://beta.example\n2. Buy Beta',
          '3. Talk to a human',
        ].join('\n\n'),
      },
    ]);
    expect(result.options?.map((option) => option.postback)).toEqual(['buy alpha', 'buy beta', 'agent']);
    expect(result.degradations.map((degradation) => degradation.rule)).toEqual(['carousel.to_text', 'quick_replies.to_text']);
  });
});

describe('buttons over a channel’s limits (WhatsApp: 3 reply buttons, titles up to 20)', () => {
  it('passes three reply buttons through unchanged', () => {
    const rich: RichContent = { type: 'rich', text: 'Confirm?', buttons: replies('Yes', 'No', 'Later') };
    const result = ok(transcode(rich, profiles.whatsapp, openWindow));
    expect(result.parts).toHaveLength(1);
    expect(result.parts[0]).toBe(rich);
    expect(result.degradations).toEqual([]);
    expect(result.options).toBeUndefined();
  });

  it('turns a fourth button into a list whose rows send the postbacks', () => {
    const rich: RichContent = { type: 'rich', text: 'Pick a day', buttons: replies('Mon', 'Tue', 'Wed', 'Thu') };
    const result = ok(transcode(rich, profiles.whatsapp, openWindow));
    expect(result.parts).toEqual([
      {
        type: 'list',
        text: 'Pick a day',
        button: 'Options',
        sections: [{ rows: ['mon', 'tue', 'wed', 'thu'].map((id, index) => ({ id, title: ['Mon', 'Tue', 'Wed', 'Thu'][index] })) }],
      },
    ]);
    expect(result.degradations).toEqual([{ rule: 'buttons.to_list', path: 'buttons', reason: '4 buttons, the channel allows 3' }]);
  });

  it('labels that list with the context’s listButtonLabel', () => {
    const rich: RichContent = { type: 'rich', text: 'Elige', buttons: replies('a', 'b', 'c', 'd') };
    const result = ok(transcode(rich, profiles.whatsapp, { ...openWindow, listButtonLabel: 'Opciones' }));
    expect(result.parts[0]).toMatchObject({ type: 'list', button: 'Opciones' });
  });

  it('moves a title over 20 (but within a row’s 24) to a list', () => {
    const rich: RichContent = { type: 'rich', text: 'Choose', buttons: replies('Twenty-one characters', 'No') };
    const result = ok(transcode(rich, profiles.whatsapp, openWindow));
    expect(result.parts[0].type).toBe('list');
    expect(result.degradations[0]).toEqual({ rule: 'buttons.to_list', path: 'buttons', reason: 'buttons[0].title is longer than 20' });
  });

  it('falls back to numbered text when even a list cannot hold the titles', () => {
    const long = 'A title far too long for a row';
    const rich: RichContent = { type: 'rich', text: 'Choose', buttons: replies(long, 'No') };
    const result = ok(transcode(rich, profiles.whatsapp, openWindow));
    expect(result.parts).toEqual([{ type: 'text', text: `Choose\n\n1. ${long}\n2. No` }]);
    expect(result.degradations).toEqual([{ rule: 'buttons.to_text', path: 'buttons', reason: 'buttons[0].title is longer than 20' }]);
  });

  it('falls back to numbered text past the list’s 10 rows', () => {
    const titles = Array.from({ length: 11 }, (_, index) => `Option ${index + 1}`);
    const result = ok(transcode({ type: 'rich', text: 'Choose', buttons: replies(...titles) }, profiles.whatsapp, openWindow));
    expect(result.parts[0].type).toBe('text');
    expect(result.options).toHaveLength(11);
  });

  it('does not make a list when two choices send back the same postback', () => {
    const buttons: Button[] = [...replies('A', 'B', 'C'), { title: 'Also A', postback: 'a' }];
    const result = ok(transcode({ type: 'rich', text: 'Choose', buttons }, profiles.whatsapp, openWindow));
    expect(result.parts[0].type).toBe('text');
  });

  it('keeps link buttons, which WhatsApp reply buttons cannot be, as text lines', () => {
    const rich: RichContent = { type: 'rich', text: 'Read more', buttons: [{ title: 'Docs', url: 'https://docs.example' }] };
    const result = ok(transcode(rich, profiles.whatsapp, openWindow));
    expect(result.parts).toEqual([{ type: 'text', text: 'Read more\n\nDocs: https://docs.example' }]);
    expect(result.degradations[0].reason).toBe("buttons[0]: the channel's buttons cannot open links");
  });

  it('turns quick replies, which WhatsApp lacks, into buttons when they fit', () => {
    const rich: RichContent = { type: 'rich', text: 'Rate us', quickReplies: [{ title: 'Good' }, { title: 'Bad', postback: 'rate:bad' }] };
    const result = ok(transcode(rich, profiles.whatsapp, openWindow));
    expect(result.parts).toEqual([{ type: 'rich', text: 'Rate us', buttons: [{ title: 'Good', postback: 'Good' }, { title: 'Bad', postback: 'rate:bad' }] }]);
    expect(result.degradations[0].rule).toBe('quick_replies.to_buttons');
  });

  it('turns more quick replies than buttons into a list', () => {
    const rich: RichContent = { type: 'rich', text: 'Rate us', quickReplies: ['1', '2', '3', '4', '5'].map((title) => ({ title })) };
    const result = ok(transcode(rich, profiles.whatsapp, openWindow));
    expect(result.parts[0]).toMatchObject({ type: 'list', sections: [{ rows: [{ id: '1', title: '1' }, { id: '2' }, { id: '3' }, { id: '4' }, { id: '5' }] }] });
    expect(result.degradations[0].rule).toBe('quick_replies.to_list');
  });

  it('sends WhatsApp reply ids over 256 bytes as numbered text', () => {
    const rich: RichContent = { type: 'rich', text: 'Go', buttons: [{ title: 'Go', postback: 'x'.repeat(257) }] };
    const result = ok(transcode(rich, profiles.whatsapp, openWindow));
    expect(result.parts[0].type).toBe('text');
    expect(result.degradations[0].reason).toBe('buttons[0] sends back more than 256 bytes');
  });
});

describe('buttons and quick replies trade places where that keeps them tappable', () => {
  it('Messenger (3 buttons, 13 quick replies) takes five reply buttons as quick replies', () => {
    const rich: RichContent = { type: 'rich', text: 'Size?', buttons: [{ id: 's', title: 'S' }, ...replies('M', 'L', 'XL', 'XXL')] };
    const result = ok(transcode(rich, profiles.messenger, openWindow));
    expect(result.parts).toEqual([
      { type: 'rich', text: 'Size?', quickReplies: [{ title: 'S', postback: 's' }, ...replies('M', 'L', 'XL', 'XXL')] },
    ]);
    expect(result.degradations[0]).toEqual({ rule: 'buttons.to_quick_replies', path: 'buttons', reason: '5 buttons, the channel allows 3' });
  });

  it('keeps the buttons that fit and numbers the quick replies that do not', () => {
    const quickReplies = Array.from({ length: 14 }, (_, index) => ({ title: `Q${index + 1}` }));
    const rich: RichContent = { type: 'rich', text: 'Hi', buttons: replies('Yes'), quickReplies };
    const result = ok(transcode(rich, profiles.messenger, openWindow));
    expect(result.parts).toHaveLength(1);
    expect(result.parts[0]).toMatchObject({ type: 'rich', buttons: replies('Yes') });
    expect((result.parts[0] as RichContent).text).toBe(`Hi\n\n${quickReplies.map((reply, index) => `${index + 1}. ${reply.title}`).join('\n')}`);
    expect(result.degradations).toEqual([{ rule: 'quick_replies.to_text', path: 'quickReplies', reason: '14 quick replies, the channel allows 13' }]);
  });
});

describe('cards and carousels', () => {
  const cards = [card('Alpha', replies('Buy')), card('Beta', replies('Buy'))];

  it('passes a carousel Messenger can show (up to 10 cards, titles up to 80)', () => {
    const rich: RichContent = { type: 'rich', carousel: { cards } };
    expect(ok(transcode(rich, profiles.messenger, openWindow)).parts[0]).toBe(rich);
  });

  it('sends a carousel as stacked cards on WhatsApp, which has cards but no free-form carousel', () => {
    const rich: RichContent = { type: 'rich', text: 'Phones', carousel: { cards } };
    const result = ok(transcode(rich, profiles.whatsapp, openWindow));
    expect(result.parts).toEqual([{ type: 'rich', text: 'Phones', cards }]);
    expect(result.degradations).toEqual([{ rule: 'carousel.to_cards', path: 'carousel', reason: 'the channel has no carousels' }]);
  });

  it('sends a one-card carousel as a card on RCS, whose carousels take 2 to 10', () => {
    const rich: RichContent = { type: 'rich', carousel: { cards: [cards[0]] } };
    const result = ok(transcode(rich, profiles.rcs, context));
    expect(result.parts).toEqual([{ type: 'rich', cards: [cards[0]] }]);
    expect(result.degradations[0].reason).toBe("1 cards, the channel's carousels take 2 to 10");
  });

  it('writes cards out as text when a title is over the channel’s limit', () => {
    const rich: RichContent = { type: 'rich', cards: [card('x'.repeat(81))] };
    const result = ok(transcode(rich, profiles.messenger, openWindow));
    expect(result.parts[0].type).toBe('text');
    expect(result.degradations).toEqual([{ rule: 'cards.to_text', path: 'cards', reason: 'cards[0].title is longer than 80' }]);
  });

  it('writes cards out as text when their buttons are over the channel’s card limits', () => {
    const rich: RichContent = { type: 'rich', cards: [card('Alpha', replies('A', 'B', 'C', 'D', 'E'))] };
    const result = ok(transcode(rich, profiles.rcs, context));
    expect(result.parts[0].type).toBe('text');
    expect(result.degradations[0].reason).toBe('5 buttons on cards, the channel allows 4');
    expect(result.options).toHaveLength(5);
  });

  it('keeps cards the channel shows and degrades only the part that does not fit', () => {
    const rich: RichContent = { type: 'rich', text: 'Hello', cards: [card('Alpha')], quickReplies: [{ title: 'More' }] };
    const result = ok(transcode(rich, profiles.email, context));
    expect(result.parts).toEqual([{ type: 'rich', text: 'Hello\n\n1. More', cards: [card('Alpha')] }]);
    expect(result.options).toEqual([{ number: 1, title: 'More', postback: 'More' }]);
  });
});

describe('link-only and byte-limited buttons', () => {
  it('email keeps link buttons and numbers reply buttons', () => {
    const links: RichContent = { type: 'rich', text: 'Your invoice', buttons: [{ title: 'Pay', url: 'https://pay.example' }] };
    expect(ok(transcode(links, profiles.email, context)).parts[0]).toBe(links);

    const mixed: RichContent = { type: 'rich', text: 'Your invoice', buttons: [{ title: 'Pay', url: 'https://pay.example' }, { title: 'Dispute' }] };
    const result = ok(transcode(mixed, profiles.email, context));
    expect(result.parts).toEqual([{ type: 'text', text: 'Your invoice\n\nPay: https://pay.example\n1. Dispute' }]);
  });

  it('Telegram keeps callback data up to 64 bytes and numbers longer ones', () => {
    const fits: RichContent = { type: 'rich', text: 'Go?', buttons: [{ title: 'Go', postback: 'é'.repeat(32) }] };
    expect(ok(transcode(fits, profiles.telegram, context)).parts[0]).toBe(fits);

    const tooLong: RichContent = { type: 'rich', text: 'Go?', buttons: [{ title: 'Go', postback: 'é'.repeat(33) }] };
    const result = ok(transcode(tooLong, profiles.telegram, context));
    expect(result.parts[0].type).toBe('text');
    expect(result.degradations[0].reason).toBe('buttons[0] sends back more than 64 bytes');
  });
});
