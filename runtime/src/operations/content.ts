// Content operations: preview how content reaches a channel (the `roomwire-transcode` node).
import { capabilitiesFor, profiles } from '../capabilities';
import type { Content as StrictContent } from '../content';
import { validateContent } from '../content-validation';
import { RoomwireError } from '../errors';
import type { Content } from '../model';
import { countSegments, transcode } from '../transcode';
import { operation, withApi, type Operation } from './define';
import * as s from './schemas';
import type { EngineParts } from '../engine-parts';

const operations: Operation<any, unknown>[] = [
  operation<
    {
      content: Content;
      channelType?: string;
      channelId?: string;
      /** ISO time until which the target's session window is open; omitted = closed. */
      sessionWindowOpenUntil?: string;
      bindingFallback?: Content;
      maxParts?: number;
      smartEncoding?: boolean;
    },
    unknown
  >(
    'transcodeContent',
    "Show what a channel would receive for some content: the transcoded messages, SMS encoding and segment count, the numbered options offered, and every degradation with its reason. Give a channel type (a built-in profile) or a registered channel id (its profile and overrides).",
    false,
    {
      content: s.content,
      channelType: { type: 'string', minLength: 1, maxLength: 64 },
      channelId: s.id,
      sessionWindowOpenUntil: { type: 'string', format: 'date-time' },
      bindingFallback: s.content,
      maxParts: { type: 'integer', minimum: 1, maximum: 100 },
      smartEncoding: { type: 'boolean' },
    },
    ['content'],
    async (parts: Pick<EngineParts, 'channels' | 'clock'>, input) => {
      const registered = input.channelId ? parts.channels.require(input.channelId) : undefined;
      const profile = registered?.profile ?? input.channelType!;
      const capabilities = capabilitiesFor(profile, registered?.profileOverride);
      const result = transcode(input.content as StrictContent, capabilities, {
        now: parts.clock(),
        sessionWindowOpenUntil: input.sessionWindowOpenUntil ? Date.parse(input.sessionWindowOpenUntil) : null,
        bindingFallback: input.bindingFallback as StrictContent | undefined,
        sms: { maxParts: input.maxParts, smartEncoding: input.smartEncoding },
      });
      const sms =
        result.ok && capabilities.segments
          ? (result.sms ?? countSegments(result.parts.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join('')))
          : undefined;
      return { profile: profiles[profile] ? profile : 'webhook', ...result, ...(sms ? { sms: { encoding: sms.encoding, segments: sms.segments } } : {}) };
    },
    (input) => {
      validateContent(input.content);
      if (input.bindingFallback) validateContent(input.bindingFallback, 'bindingFallback');
      if (!input.channelType === !input.channelId) {
        throw new RoomwireError('invalid_input', 'give exactly one of channelType and channelId', 'channelType');
      }
    },
  ),
];

export const contentOperations = withApi(operations, {
  transcodeContent: {
    // POST: the content is a JSON body, but nothing is written (read-only).
    http: { method: 'POST', path: '/transcode' },
    output: { type: 'object', properties: { profile: { type: 'string' }, ok: { type: 'boolean' }, parts: { type: 'array' }, degradations: { type: 'array' } }, required: ['profile', 'ok'] },
    errors: ['not_found'],
    examples: [{ summary: 'Buttons over SMS', input: { channelType: 'sms', content: { type: 'rich', text: 'Pick one', buttons: [{ title: 'Yes', postback: 'yes' }, { title: 'No', postback: 'no' }] } } }],
  },
});
