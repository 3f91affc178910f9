import { describe, expect, it } from 'vitest';
import { profiles } from '../../runtime/src/capabilities';
import type { MediaContent } from '../../runtime/src/content';
import { transcode } from '../../runtime/src/transcode';
import { context, ok, openWindow } from './support';

const MB = 1024 * 1024;

const media = (mimeType: string, sizeBytes?: number, extra: Partial<MediaContent> = {}): MediaContent => ({
  type: 'media',
  url: 'https://files.example/f',
  mimeType,
  ...(sizeBytes === undefined ? {} : { sizeBytes }),
  ...extra,
});

describe('media', () => {
  it('becomes caption and link on SMS', () => {
    const result = ok(transcode(media('image/png', 1000, { caption: 'Our new shop' }), profiles.sms, context));
    expect(result.parts).toEqual([{ type: 'text', text: 'Our new shop\nhttps://files.example/f' }]);
    expect(result.degradations).toEqual([{ rule: 'media.to_link', path: '', reason: 'the channel has no media' }]);
  });

  it('names the file when it has no caption, and is a bare link with neither', () => {
    expect(ok(transcode(media('application/pdf', 1, { filename: 'invoice.pdf' }), profiles.sms, context)).parts).toEqual([
      { type: 'text', text: 'invoice.pdf\nhttps://files.example/f' },
    ]);
    expect(ok(transcode(media('application/pdf'), profiles.sms, context)).parts).toEqual([{ type: 'text', text: 'https://files.example/f' }]);
  });

  it.each([
    ['image/jpeg', 5 * MB, true],
    ['image/jpeg', 5 * MB + 1, false],
    ['image/gif', 4 * MB, true],
    ['image/webp', 600 * 1024, false],
    ['application/pdf', 500 * 1024, true],
    ['video/mp4', 501 * 1024, false],
  ])('MMS: %s of %i bytes sent as media: %s', (mimeType, size, sent) => {
    const result = ok(transcode(media(mimeType, size), profiles.mms, context));
    expect(result.parts[0].type).toBe(sent ? 'media' : 'text');
  });

  it.each([
    ['image/png', 5 * MB, true],
    ['image/png', 6 * MB, false],
    ['video/mp4', 16 * MB, true],
    ['audio/ogg', 17 * MB, false],
    ['application/pdf', 100 * MB, true],
    ['application/zip', 101 * MB, false],
  ])('WhatsApp: %s of %i bytes sent as media: %s', (mimeType, size, sent) => {
    const result = ok(transcode(media(mimeType, size), profiles.whatsapp, openWindow));
    expect(result.parts[0].type).toBe(sent ? 'media' : 'text');
  });

  it('names the size limit it broke', () => {
    const result = ok(transcode(media('image/png', 11 * MB), profiles.telegram, context));
    expect(result.degradations[0].reason).toBe(`${11 * MB} bytes, the channel allows ${10 * MB} for image/png`);
  });

  it('assumes a file of unknown size fits', () => {
    const file = media('video/mp4');
    expect(ok(transcode(file, profiles.whatsapp, openWindow)).parts[0]).toBe(file);
  });

  it('sends a caption over the channel’s caption limit as a separate text', () => {
    const caption = 'c'.repeat(1025);
    const result = ok(transcode(media('image/png', 1, { caption }), profiles.whatsapp, openWindow));
    expect(result.parts).toEqual([media('image/png', 1), { type: 'text', text: caption }]);
    expect(result.degradations).toEqual([{ rule: 'media.caption_to_text', path: 'caption', reason: 'caption is longer than 1024' }]);
  });

  it('sends every caption separately where media has none (Messenger, RCS)', () => {
    for (const profile of [profiles.messenger, profiles.rcs]) {
      const result = ok(transcode(media('image/png', 1, { caption: 'Hi' }), profile, openWindow));
      expect(result.parts).toEqual([media('image/png', 1), { type: 'text', text: 'Hi' }]);
    }
  });

  it('keeps a caption within the limit on the media', () => {
    const photo = media('image/png', 1, { caption: 'c'.repeat(1024) });
    expect(ok(transcode(photo, profiles.telegram, context)).parts).toEqual([photo]);
  });
});
