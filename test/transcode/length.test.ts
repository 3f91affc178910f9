import { describe, expect, it } from 'vitest';
import { capabilitiesFor, profiles } from '../../runtime/src/capabilities';
import type { Content, RichContent } from '../../runtime/src/content';
import { countSegments, graphemes, splitText, transcode, type TranscodeResult } from '../../runtime/src/transcode';
import { context, ok, openWindow } from './support';

const texts = (result: TranscodeResult): string[] => ok(result).parts.map((part) => (part.type === 'text' ? part.text : ''));

describe('splitText', () => {
  it('cuts at a blank line, then a line end, then a sentence end, then a space', () => {
    expect(splitText('aaaa bbbb.\n\ncccc', 14)).toEqual(['aaaa bbbb.\n\n', 'cccc']);
    expect(splitText('aaaa bbbb.\ncccc', 13)).toEqual(['aaaa bbbb.\n', 'cccc']);
    expect(splitText('aaaa bbbb. cc dd', 15)).toEqual(['aaaa bbbb. ', 'cc dd']);
  });

  it('prefers the latest boundary of the best kind in the second half', () => {
    expect(splitText('Hi. aaaa bbbb cccc', 14)).toEqual(['Hi. aaaa bbbb ', 'cccc']);
    // The sentence end at 6 is in the first half: the later space wins.
    expect(splitText('aaaa. bbbb cccc', 13)).toEqual(['aaaa. bbbb ', 'cccc']);
  });

  it('cuts between graphemes when a part has no boundary', () => {
    const family = '👨‍👩‍👧‍👦';
    expect(splitText(`${'a'.repeat(9)}${family}`, 12)).toEqual(['a'.repeat(9), family]);
  });

  it('joins back to the text, keeps every part within the limit and every grapheme whole', () => {
    const text = Array.from({ length: 200 }, (_, index) => `Sentence ${index} 🇩🇪 is here.${index % 7 ? ' ' : '\n'}`).join('');
    for (const limit of [50, 333, 1000]) {
      const parts = splitText(text, limit);
      expect(parts.join('')).toBe(text);
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(limit);
      expect(parts.flatMap(graphemes)).toEqual(graphemes(text));
    }
  });
});

describe('long text on channels with a length limit', () => {
  it('is split into several messages on Messenger (2,000)', () => {
    const paragraph = `${'word '.repeat(299)}end.`;
    const text = [paragraph, paragraph, paragraph].join('\n\n');
    const result = ok(transcode({ type: 'text', text }, profiles.messenger, openWindow));
    const parts = texts(result);
    expect(parts).toEqual([`${paragraph}\n\n`, `${paragraph}\n\n`, paragraph]);
    expect(result.degradations).toEqual([{ rule: 'text.split', path: '', reason: `${text.length} characters, the channel allows 2000 per message: 3 messages` }]);
  });

  it('keeps a text at the limit whole', () => {
    const text: Content = { type: 'text', text: 'x'.repeat(4096) };
    expect(ok(transcode(text, profiles.whatsapp, openWindow)).parts).toEqual([text]);
  });

  it('keeps rich choices on the last part when the rich text is too long', () => {
    const rich: RichContent = { type: 'rich', text: `${'a'.repeat(3000)} ${'b'.repeat(3000)}`, buttons: [{ title: 'OK' }] };
    const result = ok(transcode(rich, profiles.whatsapp, openWindow));
    expect(result.parts).toEqual([{ type: 'text', text: `${'a'.repeat(3000)} ` }, { type: 'rich', text: 'b'.repeat(3000), buttons: [{ title: 'OK' }] }]);
  });

  it('is never split where the channel has no limit', () => {
    const text: Content = { type: 'text', text: 'x'.repeat(30_000) };
    expect(ok(transcode(text, profiles.email, context)).parts).toEqual([text]);
  });
});

describe('SMS length, encoding and part budget', () => {
  it('reports the encoding and segments of what is sent', () => {
    expect(ok(transcode({ type: 'text', text: 'a'.repeat(1000) }, profiles.sms, context)).sms).toEqual({ encoding: 'GSM-7', segments: 7 });
    expect(ok(transcode({ type: 'text', text: 'Hello 😀' }, profiles.sms, context)).sms).toEqual({ encoding: 'UCS-2', segments: 1 });
  });

  it('smart-encodes typographic characters so that a UCS-2 message goes as GSM-7', () => {
    const result = ok(transcode({ type: 'text', text: '“Don’t” – wait…' }, profiles.sms, context));
    expect(texts(result)).toEqual(['"Don\'t" - wait...']);
    expect(result.sms).toEqual({ encoding: 'GSM-7', segments: 1 });
    expect(result.degradations).toEqual([{ rule: 'sms.smart_encoding', path: '', reason: 'typographic characters replaced: GSM-7 instead of UCS-2' }]);
  });

  it('saves segments by smart encoding: 100 characters with one curly quote', () => {
    const text = `${'a'.repeat(99)}’`;
    expect(countSegments(text).segments).toBe(2);
    expect(ok(transcode({ type: 'text', text }, profiles.sms, context)).sms?.segments).toBe(1);
  });

  it('leaves the text alone when smart encoding is off', () => {
    const text: Content = { type: 'text', text: 'Don’t' };
    const result = ok(transcode(text, profiles.sms, { ...context, sms: { smartEncoding: false } }));
    expect(result.parts).toEqual([text]);
    expect(result.sms?.encoding).toBe('UCS-2');
  });

  it('leaves the text alone when something else keeps it UCS-2 anyway', () => {
    const text: Content = { type: 'text', text: 'Don’t 😀' };
    expect(ok(transcode(text, profiles.sms, context)).parts).toEqual([text]);
  });

  it('cuts a text over the default budget of 10 parts', () => {
    const result = ok(transcode({ type: 'text', text: 'a'.repeat(2000) }, profiles.sms, context));
    expect(texts(result)).toEqual(['a'.repeat(1530)]);
    expect(result.sms).toEqual({ encoding: 'GSM-7', segments: 10 });
    expect(result.degradations).toEqual([{ rule: 'text.cut', path: '', reason: '14 SMS segments, at most 10 allowed' }]);
  });

  it.each([
    [1, 'a'.repeat(160)],
    [2, 'a'.repeat(306)],
    [3, 'a'.repeat(459)],
  ])('cuts to sms.maxParts = %i', (maxParts, kept) => {
    const result = ok(transcode({ type: 'text', text: 'a'.repeat(1000) }, profiles.sms, { ...context, sms: { maxParts } }));
    expect(texts(result)).toEqual([kept]);
    expect(result.sms?.segments).toBe(maxParts);
  });

  it('cuts without breaking an escape pair or a grapheme', () => {
    const escaped = ok(transcode({ type: 'text', text: `${'a'.repeat(152)}€${'a'.repeat(152)}` }, profiles.sms, { ...context, sms: { maxParts: 2 } }));
    expect(texts(escaped)).toEqual([`${'a'.repeat(152)}€${'a'.repeat(151)}`]);

    const flags = '🇩🇪'.repeat(40);
    const cut = texts(transcode({ type: 'text', text: flags }, profiles.sms, { ...context, sms: { maxParts: 1 } }));
    expect(cut).toEqual(['🇩🇪'.repeat(17)]);
  });

  it('keeps a text that fits its budget exactly', () => {
    const text: Content = { type: 'text', text: 'a'.repeat(306) };
    const result = ok(transcode(text, profiles.sms, { ...context, sms: { maxParts: 2 } }));
    expect(result.parts).toEqual([text]);
    expect(result.degradations).toEqual([]);
  });

  it('refuses to cut numbered options: too_long', () => {
    const rich: RichContent = { type: 'rich', text: 'a'.repeat(150), buttons: [{ title: 'Yes' }, { title: 'No' }] };
    expect(transcode(rich, profiles.sms, { ...context, sms: { maxParts: 1 } })).toEqual({
      ok: false,
      code: 'too_long',
      reason: '2 SMS segments, at most 1 allowed; cutting would lose options or links',
      degradations: [{ rule: 'buttons.to_text', path: 'buttons', reason: 'the channel has no buttons' }],
    });
  });

  it('refuses to cut a media link', () => {
    const media: Content = { type: 'media', url: 'https://files.example/f', mimeType: 'image/png', caption: 'c'.repeat(200) };
    expect(transcode(media, profiles.sms, { ...context, sms: { maxParts: 1 } })).toMatchObject({ ok: false, code: 'too_long' });
  });

  it('splits into several messages of whole parts when the budget is over 1,600 characters', () => {
    const sms = capabilitiesFor('sms', { segments: { maxParts: 12 } });
    const result = ok(transcode({ type: 'text', text: 'a'.repeat(1800) }, sms, context));
    expect(texts(result)).toEqual(['a'.repeat(1530), 'a'.repeat(270)]);
    expect(result.sms).toEqual({ encoding: 'GSM-7', segments: 12 });
    expect(result.degradations.map((degradation) => degradation.rule)).toEqual(['text.split']);
  });
});
