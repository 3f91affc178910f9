// DESIGN.md section 11: an AI binding's context is the room history as that binding may see it —
// read through the same rule as every participant's timeline (`canSeeInHistory`: stamped
// visibility, blocked events never) — each turn attributed to its speaker, cut to a budget of
// events and approximate tokens. The newest events are kept, and so is the customer's first
// message (what the conversation is about) when the cut would drop it.
import type { EngineParts } from '../engine-parts';
import type { Binding, Identity, RoomEvent } from '../model';
import { readTimeline } from '../reads';
import { contentText } from './content-text';
import { roleOf, speakerLabel, speakerOf } from './speakers';
import { NOT_FOR_CUSTOMERS_MARK } from './prompt';
import type { Turn } from './types';

export interface ContextBudget {
  /** Most events of history (default 50). */
  maxEvents?: number;
  /** Approximate tokens of history (4 characters a token; default 4,000). */
  maxTokens?: number;
}

export const DEFAULT_BUDGET = { maxEvents: 50, maxTokens: 4000 } as const;

export interface ContextLine {
  eventId: string;
  index: number;
  /** The AI binding's own earlier replies become assistant turns. */
  own: boolean;
  role: ReturnType<typeof roleOf>;
  text: string;
}

export interface Context {
  lines: ContextLine[];
  /** Events the budget left out (between the first customer message and the newest kept). */
  omitted: number;
  turns: Turn[];
}

const TALK = new Set(['message', 'system']);

export function approximateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export async function buildContext(parts: Pick<EngineParts, 'store' | 'cache'>, ai: Binding, bindings: Binding[], budget: ContextBudget = {}): Promise<Context> {
  const maxEvents = budget.maxEvents ?? DEFAULT_BUDGET.maxEvents;
  const maxTokens = budget.maxTokens ?? DEFAULT_BUDGET.maxTokens;
  const byId = new Map(bindings.map((b) => [b.id, b]));
  const identities = await identitiesOf(parts, bindings);
  const toLine = (event: RoomEvent): ContextLine => {
    const own = event.source.bindingId === ai.id;
    const speaker = speakerOf(event, byId, identities);
    const text = contentText(event.content);
    // The reply may go to the customer: a line only staff (or some participants) saw says so.
    const mark = event.visibility === 'all' ? '' : `${NOT_FOR_CUSTOMERS_MARK} `;
    return { eventId: event.id, index: event.index, own, role: speaker.role, text: own ? text : `${mark}${speakerLabel(speaker)}: ${text}` };
  };
  const visible = { roomId: ai.roomId, bindingId: ai.id } as const;
  const talk = (event: RoomEvent) => TALK.has(event.type);

  const newest = (await readTimeline(parts, { ...visible, descending: true, limit: maxEvents * 2 + 20 })).filter(talk);
  const kept: ContextLine[] = [];
  let tokens = 0;
  for (const event of newest) {
    const line = toLine(event);
    const cost = approximateTokens(line.text);
    // The newest event always goes in, even when it alone is over the budget.
    if (kept.length > 0 && (kept.length >= maxEvents || tokens + cost > maxTokens)) break;
    kept.push(line);
    tokens += cost;
  }
  kept.reverse();

  let omitted = 0;
  const firstCustomer = (await readTimeline(parts, { ...visible, limit: 200 })).find((e) => talk(e) && roleOf(byId.get(e.source.bindingId ?? '')) === 'customer');
  if (firstCustomer && kept.length > 0 && firstCustomer.index < kept[0]!.index) {
    omitted = newest.filter((e) => e.index > firstCustomer.index && e.index < kept[0]!.index).length;
    kept.unshift(toLine(firstCustomer));
    // Over budget by one now: drop the oldest of the rest rather than the first customer message.
    if (kept.length > maxEvents && kept.length > 2) {
      kept.splice(1, 1);
      omitted++;
    }
  }
  return { lines: kept, omitted, turns: turnsOf(kept, omitted) };
}

/** Lines as alternating turns: the AI's own words as assistant turns, everyone else's as user turns. */
function turnsOf(lines: ContextLine[], omitted: number): Turn[] {
  const turns: Turn[] = [];
  lines.forEach((line, i) => {
    const role = line.own ? 'assistant' : 'user';
    const text = i === 1 && omitted > 0 ? `(${omitted} earlier messages left out)\n${line.text}` : line.text;
    const last = turns[turns.length - 1];
    if (last && last.role === role) (last as { text: string }).text += `\n${text}`;
    else turns.push({ role, text } as Turn);
  });
  // A conversation for a model starts with a user turn.
  if (turns[0]?.role === 'assistant') turns.unshift({ role: 'user', text: '(conversation so far)' });
  return turns;
}

async function identitiesOf(parts: Pick<EngineParts, 'store'>, bindings: Binding[]): Promise<Map<string, Identity>> {
  const ids = [...new Set(bindings.map((b) => b.identityId).filter((id): id is string => id !== null))];
  const found = await Promise.all(ids.map((id) => parts.store.getIdentity(id)));
  return new Map(found.filter((i): i is Identity => i !== null).map((i) => [i.id, i]));
}
