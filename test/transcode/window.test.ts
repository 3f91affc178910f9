import { describe, expect, it } from 'vitest';
import { profiles } from '../../runtime/src/capabilities';
import type { Content, TemplateContent } from '../../runtime/src/content';
import { transcode } from '../../runtime/src/transcode';

const now = Date.UTC(2025, 0, 1);
const text: Content = { type: 'text', text: 'Your order shipped' };
const reengage: TemplateContent = { type: 'template', name: 'reengage', language: 'en' };

describe('WhatsApp session window', () => {
  it('sends free-form content while the window is open', () => {
    const result = transcode(text, profiles.whatsapp, { now, sessionWindowOpenUntil: now + 1 });
    expect(result).toEqual({ ok: true, parts: [text], degradations: [] });
  });

  it.each([
    ['closed at its end', now],
    ['past', now - 1],
    ['unknown (null)', null],
    ['unknown (absent)', undefined],
  ])('refuses free-form content when the window is %s and nothing else applies', (_label, openUntil) => {
    const result = transcode(text, profiles.whatsapp, { now, sessionWindowOpenUntil: openUntil });
    expect(result).toEqual({
      ok: false,
      code: 'outside_window',
      reason: 'the session window is closed: only a template can be sent, this is text content and the binding has no fallback',
      degradations: [],
    });
  });

  it('sends a template outside the window', () => {
    const result = transcode(reengage, profiles.whatsapp, { now });
    expect(result).toEqual({ ok: true, parts: [reengage], degradations: [] });
  });

  it('sends the binding’s fallback template instead of free-form content', () => {
    const result = transcode(text, profiles.whatsapp, { now, bindingFallback: reengage });
    expect(result).toEqual({
      ok: true,
      parts: [reengage],
      degradations: [{ rule: 'window.binding_fallback', path: '', reason: "the session window is closed: the binding's fallback is sent instead" }],
    });
  });

  it('prefers the content’s own template over the binding’s fallback', () => {
    const own: TemplateContent = { type: 'template', name: 'order_shipped', language: 'en' };
    const result = transcode(own, profiles.whatsapp, { now, bindingFallback: reengage });
    expect(result.ok && result.parts).toEqual([own]);
  });

  it('refuses when the binding’s fallback is free-form too', () => {
    const result = transcode(text, profiles.whatsapp, { now, bindingFallback: { type: 'text', text: 'Please write to us' } });
    expect(result).toEqual({
      ok: false,
      code: 'outside_window',
      reason: "the session window is closed: only a template can be sent, and the binding's fallback is text content",
      degradations: [],
    });
  });

  it('ignores the binding’s fallback while the window is open', () => {
    const result = transcode(text, profiles.whatsapp, { now, sessionWindowOpenUntil: now + 1, bindingFallback: reengage });
    expect(result.ok && result.parts).toEqual([text]);
  });
});

describe('other channels and windows', () => {
  it('Messenger has a window but no templates: nothing free-form goes out after it', () => {
    expect(transcode(reengage, profiles.messenger, { now, bindingFallback: reengage })).toEqual({
      ok: false,
      code: 'outside_window',
      reason: 'the session window is closed: the channel has no templates to send instead',
      degradations: [],
    });
  });

  it('channels without a session window never check one', () => {
    for (const name of ['sms', 'mms', 'telegram', 'email', 'rcs', 'webchat', 'webhook']) {
      expect(transcode(text, profiles[name], { now, sessionWindowOpenUntil: null }).ok).toBe(true);
    }
  });
});
