// When an AI binding is asked to speak (issue 12): being solicited is separate from seeing. Per
// room (the AI binding's metadata `replyPolicy`, else the node's setting) the AI answers every
// customer message, only messages addressed to it (an @mention of its address or name, or an event
// whose visibility names it: a direct message), or only when a flow asks it to.
import type { Binding, RoomEvent } from '../model';
import { canSeeInHistory } from '../permissions';
import { roleOf } from './speakers';

export const REPLY_POLICIES = ['every_customer_message', 'addressed', 'flow'] as const;
export type ReplyPolicy = (typeof REPLY_POLICIES)[number];

export type Solicitation = { answer: true } | { answer: false; reason: string };

export function policyOf(ai: Binding, configured: ReplyPolicy): ReplyPolicy {
  const perRoom = ai.metadata.replyPolicy;
  return typeof perRoom === 'string' && (REPLY_POLICIES as readonly string[]).includes(perRoom) ? (perRoom as ReplyPolicy) : configured;
}

function addressedTo(ai: Binding, event: RoomEvent, names: string[]): boolean {
  if (Array.isArray(event.visibility) && event.visibility.includes(ai.id)) return true;
  const text = typeof event.content.text === 'string' ? event.content.text.toLowerCase() : '';
  return names.some((name) => name && text.includes(`@${name.toLowerCase()}`));
}

/**
 * Whether the AI answers `trigger`. Never its own events, never events it may not see (or blocked
 * ones); a flow that asks explicitly (`flow` policy, or `askedByFlow`) overrides the rest.
 */
export function solicited(policy: ReplyPolicy, ai: Binding, trigger: RoomEvent | null, bindings: Binding[], names: string[], askedByFlow: boolean): Solicitation {
  if (!trigger) return askedByFlow || policy === 'flow' ? { answer: true } : { answer: false, reason: 'no event to answer' };
  if (trigger.source.bindingId === ai.id) return { answer: false, reason: 'its own event' };
  if (!canSeeInHistory(ai, trigger)) return { answer: false, reason: 'an event it may not see' };
  if (askedByFlow || policy === 'flow') return { answer: true };
  if (trigger.type !== 'message') return { answer: false, reason: `a ${trigger.type} event` };
  if (policy === 'addressed') return addressedTo(ai, trigger, names) ? { answer: true } : { answer: false, reason: 'not addressed to it' };
  const author = bindings.find((b) => b.id === trigger.source.bindingId);
  return roleOf(author) === 'customer' ? { answer: true } : { answer: false, reason: 'not a customer message' };
}
