// Fits the text of reshaped content to the channel's length limits. SMS text is smart-encoded,
// cut to the part budget (only text a person wrote; generated text would lose its options or
// links, so it is refused) and costed; elsewhere a long text is split into several messages.

import type { Capabilities, SegmentLimits } from '../capabilities';
import type { Content, TextContent } from '../content';
import type { Notes, Refusal } from './shaped';
import { countSegments, smartEncode, smsEncoding, splitSms } from './sms';
import { splitText } from './splitText';
import type { SmsEncoding, TranscodeContext } from './types';

type Fitted<T> = { ok: true; value: T } | Refusal;

export interface SmsCost {
  encoding: SmsEncoding;
  segments: number;
}

function noteSplit(notes: Notes, text: string, maxLength: number, messages: string[]): void {
  notes.add('text.split', '', `${text.length} characters, the channel allows ${maxLength} per message: ${messages.length} messages`);
}

function splitLong(text: string, maxLength: number | null, notes: Notes): string[] {
  if (maxLength === null || text.length <= maxLength) return [text];
  const messages = splitText(text, maxLength);
  noteSplit(notes, text, maxLength, messages);
  return messages;
}

/** Consecutive SMS parts grouped into messages: a message of whole parts costs no extra segment. */
function groupParts(parts: string[], maxLength: number): string[] {
  const messages: string[] = [];
  for (const part of parts) {
    const last = messages.length - 1;
    if (last >= 0 && messages[last].length + part.length <= maxLength) messages[last] += part;
    else messages.push(part);
  }
  return messages;
}

function fitSms(
  text: string,
  segments: SegmentLimits,
  capabilities: Capabilities,
  context: TranscodeContext,
  generated: boolean,
  notes: Notes,
): Fitted<string[]> {
  let body = text;
  if ((context.sms?.smartEncoding ?? true) && smsEncoding(body) === 'UCS-2') {
    const smart = smartEncode(body);
    if (smsEncoding(smart) === 'GSM-7') {
      body = smart;
      notes.add('sms.smart_encoding', '', 'typographic characters replaced: GSM-7 instead of UCS-2');
    }
  }
  const maxParts = context.sms?.maxParts ?? segments.maxParts;
  const needed = countSegments(body, segments).segments;
  if (needed > maxParts) {
    if (generated) {
      const reason = `${needed} SMS segments, at most ${maxParts} allowed; cutting would lose options or links`;
      return { ok: false, code: 'too_long', reason };
    }
    body = splitSms(body, maxParts, segments).join('');
    notes.add('text.cut', '', `${needed} SMS segments, at most ${maxParts} allowed`);
  }
  const maxLength = capabilities.maxTextLength;
  if (maxLength === null || body.length <= maxLength) return { ok: true, value: [body] };
  const messages = groupParts(splitSms(body, undefined, segments), maxLength);
  noteSplit(notes, body, maxLength, messages);
  return { ok: true, value: messages };
}

/** The original part when its text is unchanged, so that supported content passes as it came. */
function textParts(original: TextContent, texts: string[]): Content[] {
  if (texts.length === 1 && texts[0] === original.text) return [original];
  return texts.map((text) => ({ type: 'text', text }));
}

/** Rich and list content keep their choices on the last part; earlier parts carry the rest of the text. */
function splitLead(part: Content, maxLength: number | null, notes: Notes): Content[] {
  if ((part.type !== 'rich' && part.type !== 'list') || part.text === undefined) return [part];
  const texts = splitLong(part.text, maxLength, notes);
  if (texts.length === 1) return [part];
  const last = texts.length - 1;
  return [...texts.slice(0, last).map((text): Content => ({ type: 'text', text })), { ...part, text: texts[last] }];
}

export function fitLengths(
  parts: Content[],
  generated: boolean,
  capabilities: Capabilities,
  context: TranscodeContext,
  notes: Notes,
): Fitted<{ parts: Content[]; sms?: SmsCost }> {
  const segments = capabilities.segments;
  const fitted: Content[] = [];
  for (const part of parts) {
    if (part.type !== 'text') {
      fitted.push(...splitLead(part, capabilities.maxTextLength, notes));
    } else if (segments === null) {
      fitted.push(...textParts(part, splitLong(part.text, capabilities.maxTextLength, notes)));
    } else {
      const texts = fitSms(part.text, segments, capabilities, context, generated, notes);
      if (!texts.ok) return texts;
      fitted.push(...textParts(part, texts.value));
    }
  }
  if (segments === null) return { ok: true, value: { parts: fitted } };
  const costs = fitted.flatMap((part) => (part.type === 'text' ? [countSegments(part.text, segments)] : []));
  const sms: SmsCost = {
    encoding: costs.some((cost) => cost.encoding === 'UCS-2') ? 'UCS-2' : 'GSM-7',
    segments: costs.reduce((sum, cost) => sum + cost.segments, 0),
  };
  return { ok: true, value: { parts: fitted, sms } };
}
