// The visible part of a reply (runtime/src/providers/email/quotes.ts): what the person wrote above
// the history their mail client quoted, in the forms the common clients write it.
import { describe, expect, it } from 'vitest';
import { visibleReply } from '../../../runtime/src/providers/email/quotes';

describe('quoted history is trimmed', () => {
  it.each([
    ['Gmail, attribution on one line', 'Yes please.\n\nOn Mon, Nov 3, 2025 at 10:00 AM Acme <support@example.com> wrote:\n> Shall we?\n', 'Yes please.'],
    ['Gmail, attribution wrapped over two lines', 'Yes.\n\nOn Mon, Nov 3, 2025 at 10:00 AM Acme Support <\nsupport@example.com> wrote:\n> Shall we?', 'Yes.'],
    ['Apple Mail / Thunderbird, French', 'Oui.\n\nLe 3 nov. 2025 à 10:00, Acme a écrit :\n> On y va ?', 'Oui.'],
    ['German', 'Ja.\n\nAm 03.11.2025 um 10:00 schrieb Acme <support@example.com>:\n> Los?', 'Ja.'],
    ['Outlook, Original Message', 'Fine.\r\n\r\n-----Original Message-----\r\nFrom: Acme\r\nSent: Monday', 'Fine.'],
    ['Outlook, header block', 'Fine.\n\nFrom: Acme Support <support@example.com>\nSent: Monday, 3 November 2025 10:00\nTo: Ada', 'Fine.'],
    ['Outlook, rule and header block', 'Fine.\n\n________________________________\nFrom: Acme\nSent: Monday', 'Fine.'],
    ['a trailing block of > lines', 'Sure.\n\n> earlier\n> more\n', 'Sure.'],
  ])('%s', (_name, text, visible) => {
    expect(visibleReply(text)).toBe(visible);
  });

  it('keeps interleaved answers between quoted lines, and a mail that is only a quote', () => {
    expect(visibleReply('> question 1\nanswer 1\n> question 2\nanswer 2')).toBe('> question 1\nanswer 1\n> question 2\nanswer 2');
    expect(visibleReply('> only quoted\n> text')).toBe('> only quoted\n> text');
  });

  it('keeps a text that merely mentions "wrote" or a From: line in passing', () => {
    const text = 'On reflection I wrote: nothing.\nFrom: the team, thanks';
    expect(visibleReply(text)).toBe(text);
  });

  it('reads a long body of quoted lines with one scan (a quadratic one outlives the test timeout here)', () => {
    const text = `${'> quoted line\n'.repeat(200_000)}last word`;
    expect(visibleReply(text)).toBe(text.trim());
  });
});
