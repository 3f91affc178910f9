import { describe, expect, it } from 'vitest';
import { profiles } from '../../runtime/src/capabilities';
import type { ContactContent, LocationContent, TemplateContent } from '../../runtime/src/content';
import { transcode } from '../../runtime/src/transcode';
import { context, ok, openWindow } from './support';

describe('location', () => {
  const office: LocationContent = { type: 'location', latitude: 52.52, longitude: 13.405, label: 'Office', address: '1 Main St' };

  it('becomes `label: <maps link>` where the channel has no location messages', () => {
    const result = ok(transcode(office, profiles.sms, context));
    expect(result.parts).toEqual([{ type: 'text', text: 'Office, 1 Main St: https://maps.google.com/?q=52.52,13.405' }]);
    expect(result.degradations).toEqual([{ rule: 'location.to_link', path: '', reason: 'the channel has no location messages' }]);
  });

  it('is a bare maps link without label or address', () => {
    const result = ok(transcode({ type: 'location', latitude: -33.8688, longitude: 151.2093 }, profiles.rcs, context));
    expect(result.parts).toEqual([{ type: 'text', text: 'https://maps.google.com/?q=-33.8688,151.2093' }]);
  });

  it('passes through on channels with location messages', () => {
    expect(ok(transcode(office, profiles.whatsapp, openWindow)).parts[0]).toBe(office);
    expect(ok(transcode(office, profiles.telegram, context)).parts[0]).toBe(office);
  });
});

describe('contact', () => {
  const jane: ContactContent = {
    type: 'contact',
    name: 'Jane Doe',
    givenName: 'Jane',
    familyName: 'Doe',
    organization: 'Acme',
    jobTitle: 'CTO',
    phones: [{ number: '+15551234567', label: 'mobile' }, { number: '+15557654321' }],
    emails: [{ address: 'jane@acme.example', label: 'work' }],
    urls: ['https://acme.example'],
    address: '1 Main St, Springfield',
  };

  it('becomes readable text where the channel has no contact messages', () => {
    const result = ok(transcode(jane, profiles.sms, context));
    expect(result.parts).toEqual([
      {
        type: 'text',
        text: 'Jane Doe\nCTO, Acme\nmobile: +15551234567\n+15557654321\nwork: jane@acme.example\nhttps://acme.example\n1 Main St, Springfield',
      },
    ]);
    expect(result.degradations[0].rule).toBe('contact.to_text');
  });

  it('passes through on WhatsApp and Telegram', () => {
    expect(ok(transcode(jane, profiles.whatsapp, openWindow)).parts[0]).toBe(jane);
    expect(ok(transcode(jane, profiles.telegram, context)).parts[0]).toBe(jane);
  });
});

describe('system and custom content', () => {
  it('sends a system notice as text where the channel has none', () => {
    const result = ok(transcode({ type: 'system', text: 'An agent joined', code: 'agent_joined' }, profiles.sms, context));
    expect(result.parts).toEqual([{ type: 'text', text: 'An agent joined' }]);
    expect(result.degradations[0].rule).toBe('system.to_text');
  });

  it('keeps a system notice on web chat', () => {
    const notice = { type: 'system', text: 'An agent joined' } as const;
    expect(ok(transcode(notice, profiles.webchat, context)).parts[0]).toBe(notice);
  });

  it('refuses custom content on a channel that cannot carry it rather than show its JSON', () => {
    const result = transcode({ type: 'custom:acme', data: { order: 42 } }, profiles.sms, context);
    expect(result).toEqual({ ok: false, code: 'unsupported', reason: 'the channel cannot carry custom:acme content', degradations: [] });
  });

  it('passes custom content to webhooks', () => {
    const custom = { type: 'custom:acme', data: { order: 42 } } as const;
    expect(ok(transcode(custom, profiles.webhook, context)).parts[0]).toBe(custom);
  });
});

describe('templates', () => {
  const template: TemplateContent = {
    type: 'template',
    name: 'order_ready',
    language: 'en_US',
    parameters: ['42'],
    fallback: { type: 'rich', text: 'Order 42 is ready', buttons: [{ title: 'Pick up', postback: 'pickup' }, { title: 'Deliver', postback: 'deliver' }] },
  };

  it('pass through on channels with templates', () => {
    expect(ok(transcode(template, profiles.whatsapp, openWindow)).parts[0]).toBe(template);
    expect(ok(transcode(template, profiles.rcs, context)).parts[0]).toBe(template);
  });

  it('send their fallback, transcoded in turn, where the channel has no templates', () => {
    const result = ok(transcode(template, profiles.sms, context));
    expect(result.parts).toEqual([{ type: 'text', text: 'Order 42 is ready\n\n1. Pick up\n2. Deliver' }]);
    expect(result.options?.map((option) => option.postback)).toEqual(['pickup', 'deliver']);
    expect(result.degradations).toEqual([
      { rule: 'template.to_fallback', path: '', reason: 'the channel has no templates' },
      { rule: 'buttons.to_text', path: 'fallback.buttons', reason: 'the channel has no buttons' },
    ]);
  });

  it('send their fallback unchanged where the channel carries it', () => {
    expect(ok(transcode(template, profiles.webchat, context)).parts).toEqual([template.fallback]);
  });

  it('fail without a fallback where the channel has no templates', () => {
    const bare: TemplateContent = { type: 'template', name: 'order_ready', language: 'en_US' };
    expect(transcode(bare, profiles.sms, context)).toEqual({
      ok: false,
      code: 'unsupported',
      reason: 'the channel has no templates and template "order_ready" has no fallback',
      degradations: [],
    });
  });
});
