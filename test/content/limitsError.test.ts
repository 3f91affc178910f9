import { describe, expect, it } from 'vitest';
import { buttonAction, choicePostback, contentLimitsError, mediaKind } from '../../runtime/src/content';

describe('contentLimitsError', () => {
  it('accepts content within every limit', () => {
    expect(contentLimitsError({ type: 'text', text: 'x' })).toBeNull();
    expect(contentLimitsError({ type: 'rich', text: 'x', buttons: [{ id: 'a', title: 'A' }, { id: 'b', title: 'B' }] })).toBeNull();
    expect(contentLimitsError({ type: 'custom:acme', data: 'x'.repeat(1000) })).toBeNull();
  });

  it('refuses rich content that is only text', () => {
    expect(contentLimitsError({ type: 'rich', text: 'x' })).toEqual({
      field: '',
      message: 'rich content needs buttons, quickReplies, cards or a carousel; plain text is text content',
    });
  });

  it('refuses stacked cards and a carousel in one message', () => {
    const card = { title: 'x' };
    expect(contentLimitsError({ type: 'rich', cards: [card], carousel: { cards: [card] } })?.field).toBe('carousel');
  });

  it('refuses a button that both opens a link and calls', () => {
    const buttons = [{ title: 'A' }, { title: 'B', url: 'https://x.example', phone: '+1555' }];
    expect(contentLimitsError({ type: 'rich', buttons })).toEqual({
      field: 'buttons[1]',
      message: 'has both url and phone; a button opens a link or calls, not both',
    });
  });

  it('refuses two buttons with one id, on the message and on a carousel card', () => {
    expect(contentLimitsError({ type: 'rich', buttons: [{ id: 'a', title: 'A' }, { id: 'b', title: 'B' }, { id: 'a', title: 'C' }] })).toEqual({
      field: 'buttons[2].id',
      message: 'duplicates buttons[0].id',
    });
    const cards = [{ title: 'ok' }, { title: 'x', buttons: [{ id: 'a', title: 'A' }, { id: 'a', title: 'B' }] }];
    expect(contentLimitsError({ type: 'rich', carousel: { cards } })?.field).toBe('carousel.cards[1].buttons[1].id');
  });

  it('refuses two list rows with one id, across sections', () => {
    const list = { type: 'list', text: 'x', button: 'b', sections: [{ rows: [{ id: 'a', title: 'A' }] }, { rows: [{ id: 'b', title: 'B' }, { id: 'a', title: 'C' }] }] };
    expect(contentLimitsError(list)).toEqual({ field: 'sections[1].rows[1].id', message: 'duplicates sections[0].rows[0].id' });
  });

  it('refuses custom data over 32 KB as JSON', () => {
    expect(contentLimitsError({ type: 'custom:acme', data: 'x'.repeat(32 * 1024) })).toEqual({ field: 'data', message: 'larger than 32768 bytes as JSON' });
  });

  it('checks a template’s fallback, with its path', () => {
    const fallback = { type: 'list', text: 'x', button: 'b', sections: [{ rows: [{ id: 'a', title: 'A' }, { id: 'a', title: 'B' }] }] };
    expect(contentLimitsError({ type: 'template', name: 'n', language: 'en', fallback })?.field).toBe('fallback.sections[0].rows[1].id');
  });

  it.each([null, 1, 'text', [], {}, { type: 1 }, { type: 'rich', buttons: 'nope', carousel: 3 }, { type: 'list', sections: [null, { rows: 5 }] }])(
    'does not throw on input the schema rejects: %j',
    (input) => {
      expect(() => contentLimitsError(input)).not.toThrow();
    },
  );
});

describe('content helpers', () => {
  it.each([
    ['image/png', 'image'],
    ['IMAGE/JPEG', 'image'],
    ['audio/ogg', 'audio'],
    ['video/mp4', 'video'],
    ['application/pdf', 'file'],
    ['text/vcard', 'file'],
  ])('mediaKind(%s) is %s', (mimeType, kind) => {
    expect(mediaKind(mimeType)).toBe(kind);
  });

  it('a reply sends back its postback, else its id, else its title', () => {
    expect(choicePostback({ title: 'T', id: 'i', postback: 'p' })).toBe('p');
    expect(choicePostback({ title: 'T', id: 'i' })).toBe('i');
    expect(choicePostback({ title: 'T' })).toBe('T');
  });

  it('a button opens its url, calls its phone, or sends a reply', () => {
    expect(buttonAction({ title: 'x', url: 'https://x.example' })).toBe('url');
    expect(buttonAction({ title: 'x', phone: '+1' })).toBe('phone');
    expect(buttonAction({ title: 'x' })).toBe('reply');
  });
});
