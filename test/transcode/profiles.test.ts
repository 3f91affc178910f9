import { describe, expect, it } from 'vitest';
import { capabilitiesFor, GENERIC_PROFILE, profiles, type Capabilities } from '../../runtime/src/capabilities';
import type { Content } from '../../runtime/src/content';
import { transcode } from '../../runtime/src/transcode';
import { openWindow } from './support';

const MB = 1024 * 1024;
const DAY = 24 * 60 * 60 * 1000;

describe('built-in profiles carry the published numbers (CHANNELS.md)', () => {
  it('has one profile per built-in channel type plus the generic webhook', () => {
    expect(Object.keys(profiles).sort()).toEqual(['email', 'messenger', 'mms', 'rcs', 'sms', 'telegram', 'webchat', 'webhook', 'whatsapp']);
    expect(GENERIC_PROFILE).toBe('webhook');
  });

  it('sms: 1,600 characters, GSM-7 160/153, UCS-2 70/67, no rich features', () => {
    expect(profiles.sms).toMatchObject({
      maxTextLength: 1600,
      segments: { gsm7: { single: 160, part: 153 }, ucs2: { single: 70, part: 67 }, maxParts: 10 },
      media: null,
      buttons: null,
      quickReplies: null,
      cards: null,
      carousel: null,
      lists: null,
      location: false,
      contacts: false,
      templates: false,
      sessionWindow: null,
      typing: false,
      readReceipts: false,
    });
  });

  it('mms: 5 MB jpeg/png/gif, 500 KB anything else, no segments', () => {
    expect(profiles.mms.segments).toBeNull();
    expect(profiles.mms.media?.rules).toEqual([
      { mimeTypes: ['image/jpeg', 'image/png', 'image/gif'], maxBytes: 5 * MB },
      { maxBytes: 500 * 1024 },
    ]);
  });

  it('whatsapp: 4,096 text, 3 buttons of 20, lists of 10 rows, templates, 24 h window', () => {
    expect(profiles.whatsapp).toMatchObject({
      maxTextLength: 4096,
      buttons: { max: 3, titleMax: 20, postbackMaxBytes: 256, actions: ['reply'] },
      lists: { maxSections: 10, maxRows: 10, rowTitleMax: 24, rowDescriptionMax: 72, buttonMax: 20 },
      carousel: null,
      location: true,
      contacts: true,
      templates: true,
      sessionWindow: { durationMs: DAY },
      typing: true,
      readReceipts: true,
    });
    expect(profiles.whatsapp.media?.rules).toEqual([
      { kinds: ['image'], maxBytes: 5 * MB },
      { kinds: ['video', 'audio'], maxBytes: 16 * MB },
      { kinds: ['file'], maxBytes: 100 * MB },
    ]);
  });

  it('messenger: 2,000 text, 13 quick replies of 20, cards of 80, carousels of 10, 24 h window', () => {
    expect(profiles.messenger).toMatchObject({
      maxTextLength: 2000,
      quickReplies: { max: 13, titleMax: 20 },
      buttons: { max: 3, titleMax: 20 },
      cards: { titleMax: 80, subtitleMax: 80, buttons: { max: 3 } },
      carousel: { minCards: 1, maxCards: 10 },
      lists: null,
      templates: false,
      sessionWindow: { durationMs: DAY },
    });
  });

  it('telegram: 4,096 text, 1,024 captions, 10 MB photos, 50 MB files, 64-byte callback data', () => {
    expect(profiles.telegram).toMatchObject({
      maxTextLength: 4096,
      media: { rules: [{ kinds: ['image'], maxBytes: 10 * MB }, { maxBytes: 50 * MB }], captionMax: 1024 },
      buttons: { postbackMaxBytes: 64, actions: ['reply', 'url'] },
      location: true,
      contacts: true,
      sessionWindow: null,
      readReceipts: false,
    });
  });

  it('email: no text limit, links only, provider templates', () => {
    expect(profiles.email).toMatchObject({ maxTextLength: null, buttons: { actions: ['url'] }, templates: true, typing: false });
  });

  it('rcs: 3,072 text, 11 suggestions of 25, cards 200/2,000 with 4 suggestions, carousels of 2-10', () => {
    expect(profiles.rcs).toMatchObject({
      maxTextLength: 3072,
      buttons: { max: 11, titleMax: 25, postbackMaxBytes: 2048 },
      quickReplies: { max: 11, titleMax: 25 },
      cards: { titleMax: 200, subtitleMax: 2000, buttons: { max: 4 } },
      carousel: { minCards: 2, maxCards: 10 },
      lists: null,
      media: { rules: [{ maxBytes: 100 * MB }] },
    });
  });

  it('webchat carries everything but templates; webhook carries everything', () => {
    expect(profiles.webchat).toEqual({ ...profiles.webhook, templates: false });
    expect(profiles.webhook).toMatchObject({ maxTextLength: null, segments: null, sessionWindow: null, templates: true, custom: true, system: true });
  });

  it('are plain JSON, so they can be shown and sent as they are', () => {
    for (const profile of Object.values(profiles)) expect(JSON.parse(JSON.stringify(profile))).toEqual(profile);
  });

  it('are frozen, so no channel can change another’s', () => {
    expect(Object.isFrozen(profiles.whatsapp)).toBe(true);
    expect(Object.isFrozen(profiles.whatsapp.buttons)).toBe(true);
    expect(Object.isFrozen(profiles.mms.media?.rules[0].mimeTypes)).toBe(true);
  });
});

describe('every profile passes what it supports through unchanged', () => {
  const samples: Record<string, Content> = {
    text: { type: 'text', text: 'Hello' },
    image: { type: 'media', url: 'https://files.example/a.png', mimeType: 'image/png', sizeBytes: 1000 },
    location: { type: 'location', latitude: 1, longitude: 2 },
    contact: { type: 'contact', name: 'Jane' },
    buttons: { type: 'rich', text: 'Pick', buttons: [{ title: 'A' }, { title: 'B' }] },
    list: { type: 'list', text: 'Pick', button: 'Open', sections: [{ rows: [{ id: 'a', title: 'A' }] }] },
    template: { type: 'template', name: 't', language: 'en' },
    system: { type: 'system', text: 'Joined' },
    custom: { type: 'custom:acme', data: 1 },
  };
  const supported: Record<string, string[]> = {
    sms: ['text'],
    mms: ['text', 'image'],
    whatsapp: ['text', 'image', 'location', 'contact', 'buttons', 'list', 'template'],
    messenger: ['text', 'image', 'buttons'],
    telegram: ['text', 'image', 'location', 'contact', 'buttons'],
    email: ['text', 'image', 'template'],
    rcs: ['text', 'image', 'buttons', 'template'],
    webchat: ['text', 'image', 'location', 'contact', 'buttons', 'list', 'system', 'custom'],
    webhook: Object.keys(samples),
  };

  it.each(Object.keys(supported))('%s', (name) => {
    for (const [sample, content] of Object.entries(samples)) {
      const result = transcode(content, profiles[name], openWindow);
      const unchanged = result.ok && result.parts.length === 1 && result.parts[0] === content && result.degradations.length === 0;
      expect({ sample, unchanged }).toEqual({ sample, unchanged: supported[name].includes(sample) });
    }
  });
});

describe('the transcoder is pure', () => {
  const deepFreeze = <T>(value: T): T => {
    if (typeof value === 'object' && value !== null) Object.values(value).forEach(deepFreeze);
    return Object.freeze(value);
  };
  const samples: Content[] = [
    { type: 'rich', text: 'Pick', carousel: { cards: [{ title: 'A', buttons: [{ title: 'Buy' }] }] }, quickReplies: [{ title: 'More' }] },
    { type: 'rich', text: 'Pick', buttons: ['1', '2', '3', '4', '5'].map((title) => ({ title })) },
    { type: 'list', text: 'Pick', button: 'Open', sections: [{ rows: [{ id: 'a', title: 'A' }] }] },
    { type: 'media', url: 'https://files.example/a.png', mimeType: 'image/png', caption: 'x'.repeat(2000) },
    { type: 'template', name: 't', language: 'en', fallback: { type: 'text', text: '“Hi”' } },
    { type: 'text', text: 'y'.repeat(5000) },
  ];
  const contents = samples.map(deepFreeze);

  it('never changes the content it is given and gives the same answer twice', () => {
    for (const profile of Object.values(profiles)) {
      for (const content of contents) {
        const context = { now: 5, sessionWindowOpenUntil: 10 };
        expect(transcode(content, profile, context)).toEqual(transcode(content, profile, context));
      }
    }
  });
});

describe('capabilitiesFor', () => {
  it('returns the named profile', () => {
    expect(capabilitiesFor('whatsapp')).toBe(profiles.whatsapp);
  });

  it.each(['ai', 'carrier-pigeon', 'toString', '__proto__'])('falls back to the generic profile for %j', (name) => {
    expect(capabilitiesFor(name)).toBe(profiles.webhook);
  });

  it('merges an override field by field over the profile without touching it', () => {
    const capabilities = capabilitiesFor('whatsapp', { buttons: { max: 2 }, maxTextLength: 1000 });
    expect(capabilities.buttons).toEqual({ max: 2, titleMax: 20, postbackMaxBytes: 256, actions: ['reply'] });
    expect(capabilities.maxTextLength).toBe(1000);
    expect(capabilities.lists).toEqual(profiles.whatsapp.lists);
    expect(profiles.whatsapp.buttons?.max).toBe(3);
  });

  it('turns a capability off with null and replaces arrays whole', () => {
    const capabilities = capabilitiesFor('whatsapp', { lists: null, media: { rules: [{ maxBytes: 1 }] } });
    expect(capabilities.lists).toBeNull();
    expect(capabilities.media).toEqual({ rules: [{ maxBytes: 1 }], captionMax: 1024 });
  });

  it('fills a capability the profile lacks from the generic one', () => {
    expect(capabilitiesFor('sms', { buttons: { max: 3 } }).buttons).toEqual({ max: 3, titleMax: null, postbackMaxBytes: null, actions: ['reply', 'url', 'phone'] });
    expect(capabilitiesFor('webchat', { segments: { maxParts: 3 } }).segments).toEqual({ gsm7: { single: 160, part: 153 }, ucs2: { single: 70, part: 67 }, maxParts: 3 });
    expect(capabilitiesFor('webchat', { sessionWindow: {} }).sessionWindow).toEqual({ durationMs: DAY });
  });

  it('overrides the generic profile for an unknown channel type', () => {
    expect(capabilitiesFor('ai', { maxTextLength: 500 }).maxTextLength).toBe(500);
  });

  it('changes what the transcoder does', () => {
    const twoButtons = capabilitiesFor('whatsapp', { buttons: { max: 2 }, lists: null });
    const result = transcode({ type: 'rich', text: 'Pick', buttons: [{ title: 'A' }, { title: 'B' }, { title: 'C' }] }, twoButtons, { now: 0, sessionWindowOpenUntil: 1 });
    expect(result.ok && result.parts[0].type).toBe('text');
  });

  it('cannot reach a prototype through a `__proto__` key from JSON', () => {
    const override = JSON.parse('{"__proto__": {"polluted": true}, "buttons": {"__proto__": {"polluted": true}}}') as Partial<Capabilities>;
    const capabilities = capabilitiesFor('whatsapp', override);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((capabilities.buttons as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(capabilities.buttons?.max).toBe(3);
  });
});
