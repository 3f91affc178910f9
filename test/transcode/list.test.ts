import { describe, expect, it } from 'vitest';
import { profiles } from '../../runtime/src/capabilities';
import type { ListContent } from '../../runtime/src/content';
import { transcode } from '../../runtime/src/transcode';
import { context, ok, openWindow } from './support';

const menu: ListContent = {
  type: 'list',
  text: 'What would you like?',
  button: 'Menu',
  sections: [
    { title: 'Drinks', rows: [{ id: 'tea', title: 'Tea', description: 'Green or black' }, { id: 'coffee', title: 'Coffee' }] },
    { title: 'Food', rows: [{ id: 'cake', title: 'Cake', description: 'Lemon' }] },
  ],
};

const plain: ListContent = {
  type: 'list',
  text: 'Which city?',
  button: 'Cities',
  sections: [{ rows: ['Berlin', 'Paris', 'Rome'].map((title) => ({ id: title.toLowerCase(), title })) }],
};

describe('lists', () => {
  it('pass through unchanged on WhatsApp within its limits', () => {
    const result = ok(transcode(menu, profiles.whatsapp, openWindow));
    expect(result.parts[0]).toBe(menu);
    expect(result.degradations).toEqual([]);
  });

  it('become numbered text with section titles and descriptions on SMS; rows send their ids', () => {
    const result = ok(transcode(menu, profiles.sms, context));
    expect(result.parts).toEqual([
      { type: 'text', text: 'What would you like?\n\nDrinks\n1. Tea - Green or black\n2. Coffee\n\nFood\n3. Cake - Lemon' },
    ]);
    expect(result.options).toEqual([
      { number: 1, title: 'Tea', postback: 'tea' },
      { number: 2, title: 'Coffee', postback: 'coffee' },
      { number: 3, title: 'Cake', postback: 'cake' },
    ]);
    expect(result.degradations).toEqual([{ rule: 'list.to_text', path: 'sections', reason: 'the channel has no lists' }]);
  });

  it('become numbered text on WhatsApp past 10 rows', () => {
    const long: ListContent = { ...plain, sections: [plain.sections[0], { rows: Array.from({ length: 8 }, (_, index) => ({ id: `r${index}`, title: `Row ${index}` })) }] };
    const result = ok(transcode(long, profiles.whatsapp, openWindow));
    expect(result.parts[0].type).toBe('text');
    expect(result.degradations[0].reason).toBe('11 rows, the channel allows 10');
  });

  it('become numbered text on WhatsApp when a row title is over 24', () => {
    const longRow: ListContent = { ...plain, sections: [{ rows: [{ id: 'x', title: 'A row title over 24 chars' }] }] };
    const result = ok(transcode(longRow, profiles.whatsapp, openWindow));
    expect(result.degradations[0].reason).toBe('sections[0].rows[0].title is longer than 24');
  });

  it('become suggestions on RCS (which has none) when nothing would be lost', () => {
    const result = ok(transcode(plain, profiles.rcs, context));
    expect(result.parts).toEqual([
      { type: 'rich', text: 'Which city?', quickReplies: [{ title: 'Berlin', postback: 'berlin' }, { title: 'Paris', postback: 'paris' }, { title: 'Rome', postback: 'rome' }] },
    ]);
    expect(result.degradations[0].rule).toBe('list.to_quick_replies');
    expect(result.options).toBeUndefined();
  });

  it('become numbered text on RCS when rows have descriptions that chips cannot show', () => {
    const result = ok(transcode(menu, profiles.rcs, context));
    expect(result.parts[0].type).toBe('text');
    expect(result.degradations[0].rule).toBe('list.to_text');
  });

  it('become buttons where a channel has buttons but no quick replies', () => {
    const result = ok(transcode(plain, profiles.telegram, context));
    expect(result.parts).toEqual([{ type: 'rich', text: 'Which city?', buttons: [{ title: 'Berlin', postback: 'berlin' }, { title: 'Paris', postback: 'paris' }, { title: 'Rome', postback: 'rome' }] }]);
    expect(result.degradations[0].rule).toBe('list.to_buttons');
  });
});
