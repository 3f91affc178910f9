// Capability-aware replies (DESIGN.md section 11): who will receive the AI's reply is decided by
// the same rule as delivery (`planTargets` with the AI binding's own visibility), and the strictest
// of their channels' capabilities become the instructions: length and SMS segment budget, plain
// text or rich, buttons (count, title length), media. The transcoder stays the safety net.
import { capabilitiesFor, type Capabilities } from '../capabilities';
import type { ChannelRegistry } from '../channels';
import type { Binding } from '../model';
import { planTargets } from '../permissions';

export interface ReplyConstraints {
  /** Channel types of the receivers, for the instructions and tests. */
  receivers: string[];
  /** Longest reply in characters (null: no limit). */
  maxChars: number | null;
  /** Set when a receiver is an SMS-like channel: the segment budget behind `maxChars`. */
  sms: { segments: number; gsm7Chars: number; ucs2Chars: number } | null;
  /** Reply buttons every rich-capable receiver shows; null when none can. */
  buttons: { max: number | null; titleMax: number | null } | null;
  /** Some receivers show buttons as numbered text instead. */
  someWithoutButtons: boolean;
  /** A list (a menu of rows behind one button) every list-capable receiver shows; null when none can. */
  list: { maxRows: number | null; rowTitleMax: number | null; buttonMax: number | null } | null;
  /** Every receiver shows media; otherwise links go in the text. */
  media: boolean;
  /** Plain text only: no Markdown, no buttons. */
  plainText: boolean;
}

export interface ConstraintOptions {
  /** SMS segments a reply may cost (default 1). */
  smsSegments?: number;
}

function capabilitiesOf(channels: ChannelRegistry, binding: Binding): Capabilities {
  const registered = channels.get(binding.channelId);
  return capabilitiesFor(registered?.profile ?? binding.channelType, registered?.profileOverride);
}

function smaller(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

export function receiversOf(ai: Binding, bindings: Binding[]): Binding[] {
  return planTargets({ visibility: ai.visibility, source: { bindingId: ai.id } as never, status: 'committed' }, bindings);
}

export function replyConstraints(channels: ChannelRegistry, receivers: Binding[], options: ConstraintOptions = {}): ReplyConstraints {
  const segments = Math.max(1, options.smsSegments ?? 1);
  // Another AI or a flow participant carries anything: only people's channels constrain the reply.
  const people = receivers.filter((b) => b.channelType !== 'ai');
  let maxChars: number | null = null;
  let sms: ReplyConstraints['sms'] = null;
  let buttons: ReplyConstraints['buttons'] | undefined;
  let someWithoutButtons = false;
  let list: ReplyConstraints['list'] = null;
  let media = true;
  for (const receiver of people) {
    const caps = capabilitiesOf(channels, receiver);
    maxChars = smaller(maxChars, caps.maxTextLength);
    if (caps.segments) {
      const size = (s: { single: number; part: number }) => (segments === 1 ? s.single : s.part * Math.min(segments, caps.segments!.maxParts));
      sms = { segments, gsm7Chars: size(caps.segments.gsm7), ucs2Chars: size(caps.segments.ucs2) };
      maxChars = smaller(maxChars, sms.gsm7Chars);
    }
    const reply = caps.buttons && caps.buttons.actions.includes('reply') ? caps.buttons : null;
    if (reply) {
      buttons = buttons === undefined || buttons === null ? { max: reply.max, titleMax: reply.titleMax } : { max: smaller(buttons.max, reply.max), titleMax: smaller(buttons.titleMax, reply.titleMax) };
    } else {
      someWithoutButtons = true;
    }
    if (caps.lists) {
      const { maxRows, rowTitleMax, buttonMax } = caps.lists;
      list = list === null ? { maxRows, rowTitleMax, buttonMax } : { maxRows: smaller(list.maxRows, maxRows), rowTitleMax: smaller(list.rowTitleMax, rowTitleMax), buttonMax: smaller(list.buttonMax, buttonMax) };
    }
    if (!caps.media) media = false;
  }
  const anyButtons = buttons ?? null;
  return {
    receivers: [...new Set(people.map((b) => b.channelType))].sort(),
    maxChars,
    sms,
    buttons: anyButtons,
    someWithoutButtons: anyButtons !== null && someWithoutButtons,
    list: anyButtons === null ? null : list,
    media: people.length === 0 || media,
    plainText: people.length > 0 && anyButtons === null,
  };
}

/** The constraints as instructions for the model, one short sentence each. */
export function constraintInstructions(c: ReplyConstraints): string {
  const lines: string[] = [];
  if (c.receivers.length > 0) lines.push(`Your reply goes to participants on: ${c.receivers.join(', ')}.`);
  if (c.sms) {
    lines.push(
      `Write plain text of at most ${c.sms.gsm7Chars} characters (${c.sms.segments} SMS segment${c.sms.segments > 1 ? 's' : ''}); ` +
        `with emoji or characters outside the GSM-7 alphabet at most ${c.sms.ucs2Chars}.`,
    );
  } else if (c.maxChars !== null) {
    lines.push(`Keep your reply under ${c.maxChars} characters.`);
  }
  if (c.plainText) lines.push('Plain text only: no Markdown, no buttons.');
  if (c.buttons) {
    const count = c.buttons.max !== null ? `up to ${c.buttons.max} buttons` : 'buttons';
    const title = c.buttons.titleMax !== null ? ` with titles of at most ${c.buttons.titleMax} characters` : '';
    lines.push(`To offer choices, call the send_rich tool with ${count}${title}.`);
    if (c.list) {
      const rows = c.list.maxRows !== null ? `up to ${c.list.maxRows} rows` : 'rows';
      const title = c.list.rowTitleMax !== null ? ` with titles of at most ${c.list.rowTitleMax} characters` : '';
      lines.push(`For more choices than buttons allow, call send_rich with a list of ${rows}${title} instead of buttons.`);
    }
    if (c.someWithoutButtons) lines.push('Some participants see buttons as numbered text options.');
  }
  if (!c.media) lines.push('You cannot send images or files: give a link in the text instead.');
  return lines.join('\n');
}
