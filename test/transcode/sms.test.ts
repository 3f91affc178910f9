import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countSegments, smartEncode, smsEncoding, splitSms } from '../../runtime/src/transcode/sms';

interface SegmentVector {
  id: string;
  body: string;
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
}

// Twilio's segment counts, copied with their `about` (where they come from) into the fixtures.
const vectorsFile = path.join(__dirname, 'fixtures', 'sms-segments.json');
const vectors = (JSON.parse(readFileSync(vectorsFile, 'utf8')) as { cases: SegmentVector[] }).cases;

const a = (n: number): string => 'a'.repeat(n);
const ya = (n: number): string => 'я'.repeat(n);

describe('SMS vectors (Twilio segment calculator)', () => {
  it('has vectors to check', () => {
    expect(vectors.length).toBeGreaterThan(0);
  });

  it.each(vectors.map((vector) => [vector.id, vector] as const))('%s', (_id, vector) => {
    const count = countSegments(vector.body);
    expect(count.encoding).toBe(vector.encoding);
    expect(count.segments).toBe(vector.segments);
    expect(smsEncoding(vector.body)).toBe(vector.encoding);
  });
});

describe('smsEncoding', () => {
  it('keeps the whole GSM-7 basic and extension tables in GSM-7', () => {
    const basic =
      '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
      '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
    expect(Array.from(basic)).toHaveLength(127);
    expect(smsEncoding(basic)).toBe('GSM-7');
    expect(smsEncoding('\f^{}\\[~]|€')).toBe('GSM-7');
  });

  it.each(['`', '\t', 'ç', 'á', 'í', 'ó', 'ú', 'ê', '’', '“', '–', '—', '😀'])('switches to UCS-2 for %j', (char) => {
    expect(smsEncoding(`Hello ${char}`)).toBe('UCS-2');
  });
});

describe('countSegments', () => {
  it('counts septets, two for an extension character', () => {
    expect(countSegments('a€b')).toEqual({ encoding: 'GSM-7', segments: 1, units: 4 });
  });

  it('counts UTF-16 units in UCS-2, two for an emoji', () => {
    expect(countSegments('Hello 😀')).toEqual({ encoding: 'UCS-2', segments: 1, units: 8 });
  });

  it.each([
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
    [459, 3],
    [460, 4],
  ])('%i GSM-7 septets take %i segments (160 single, 153 per part)', (length, segments) => {
    expect(countSegments(a(length)).segments).toBe(segments);
  });

  it.each([
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
  ])('%i UCS-2 units take %i segments (70 single, 67 per part)', (length, segments) => {
    expect(countSegments(ya(length)).segments).toBe(segments);
  });

  it('never splits an escape pair across parts: a×152 + € + a×152 is 3 parts', () => {
    const text = `${a(152)}€${a(152)}`;
    expect(countSegments(text)).toEqual({ encoding: 'GSM-7', segments: 3, units: 306 });
  });

  it('never splits a surrogate pair across parts', () => {
    // 66 units + an emoji: the emoji cannot take the last unit of part one.
    const text = `${ya(66)}😀${ya(66)}`;
    expect(countSegments(text)).toEqual({ encoding: 'UCS-2', segments: 3, units: 134 });
  });

  it('uses the sizes it is given', () => {
    const sizes = { gsm7: { single: 10, part: 5 }, ucs2: { single: 4, part: 2 } };
    expect(countSegments(a(11), sizes).segments).toBe(3);
    expect(countSegments(ya(5), sizes).segments).toBe(3);
  });
});

describe('splitSms', () => {
  it('returns a text that fits one segment as is', () => {
    expect(splitSms(a(160))).toEqual([a(160)]);
    expect(splitSms(ya(70))).toEqual([ya(70)]);
  });

  it('cuts GSM-7 text into parts of 153 septets', () => {
    expect(splitSms(a(161))).toEqual([a(153), a(8)]);
    expect(splitSms(a(306))).toEqual([a(153), a(153)]);
  });

  it('keeps an escape pair whole at a part boundary', () => {
    const parts = splitSms(`${a(152)}€${a(152)}`);
    expect(parts).toEqual([a(152), `€${a(151)}`, 'a']);
  });

  it('keeps an emoji whole at a UCS-2 part boundary', () => {
    expect(splitSms(`${ya(66)}😀${ya(66)}`)).toEqual([ya(66), `😀${ya(65)}`, 'я']);
  });

  it('never splits a flag or a ZWJ family, which are several code points', () => {
    const flag = '🇩🇪'; // two regional indicators, 4 units
    const family = '👨‍👩‍👧‍👦'; // seven code points, 11 units
    for (const cluster of [flag, family]) {
      const text = `${ya(65)}${cluster}${ya(70)}`;
      const parts = splitSms(text);
      expect(parts.join('')).toBe(text);
      expect(parts[0]).toBe(ya(65));
      expect(parts[1].startsWith(cluster)).toBe(true);
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(67);
    }
  });

  it('keeps an accent with its letter', () => {
    const text = `${ya(66)}e\u0301${ya(10)}`; // e + combining acute: one grapheme, UCS-2
    expect(splitSms(text)[1].startsWith('e\u0301')).toBe(true);
  });

  it('still cuts a single grapheme longer than a part', () => {
    const zalgo = `a${'\u0301'.repeat(200)}`;
    const parts = splitSms(zalgo);
    expect(parts.join('')).toBe(zalgo);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(67);
  });

  it('returns at most maxParts parts', () => {
    expect(splitSms(a(500), 2)).toEqual([a(153), a(153)]);
  });

  it('fills a single full segment when maxParts is 1', () => {
    expect(splitSms(a(500), 1)).toEqual([a(160)]);
    expect(splitSms(ya(100), 1)).toEqual([ya(70)]);
  });

  it('rejects a maxParts that is not a positive integer', () => {
    expect(() => splitSms(a(500), 0)).toThrow(RangeError);
    expect(() => splitSms(a(500), 1.5)).toThrow(RangeError);
  });
});

describe('smartEncode', () => {
  it.each([
    ['‘quoted’', "'quoted'"],
    ['“quoted”', '"quoted"'],
    ['don’t', "don't"],
    ['a – b — c', 'a - b - c'],
    ['wait…', 'wait...'],
    ['10\u00A0km', '10 km'],
    ['soft\u00ADhyphen', 'softhyphen'],
    ['zero\u200Bwidth', 'zerowidth'],
    ['«guillemets»', '"guillemets"'],
    ['tab\there', 'tab here'],
  ])('%j becomes %j', (input, output) => {
    expect(smartEncode(input)).toBe(output);
  });

  it('turns a UCS-2 message into GSM-7', () => {
    const text = '“Hello” – it’s… ready';
    expect(smsEncoding(text)).toBe('UCS-2');
    expect(smsEncoding(smartEncode(text))).toBe('GSM-7');
  });

  it('leaves letters and emoji alone', () => {
    expect(smartEncode('ça va 😀')).toBe('ça va 😀');
  });
});
