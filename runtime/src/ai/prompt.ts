// The system prompt of one AI turn: the node's own prompt, who the AI is in this room, what its
// reply may look like (reply-constraints), and the room and participant metadata the node chose
// to expose — nothing else from the room's records reaches the model.
import type { Binding, JsonObject, Room } from '../model';
import { roleOf } from './speakers';

export interface ExposedMetadata {
  /** Keys of the room's metadata. */
  room?: string[];
  /** Keys of the metadata of each customer's binding. */
  binding?: string[];
}

/** Put before a line of the context that did not reach everyone (an internal note, a whisper). */
export const NOT_FOR_CUSTOMERS_MARK = '[not seen by the customer]';

export const DEFAULT_SYSTEM_PROMPT = 'You are a helpful assistant answering customers on behalf of the team. Be brief, friendly and accurate.';

function pick(source: JsonObject, keys: string[] | undefined): JsonObject {
  const out: JsonObject = {};
  for (const key of keys ?? []) if (Object.hasOwn(source, key)) out[key] = source[key]!;
  return out;
}

export function systemPrompt(options: {
  prompt: string | undefined;
  ai: Binding;
  aiName: string;
  room: Room;
  bindings: Binding[];
  instructions: string;
  exposed: ExposedMetadata | undefined;
  replyIsBlocked: boolean;
}): string {
  const sections = [options.prompt?.trim() || DEFAULT_SYSTEM_PROMPT];
  sections.push(
    `You take part in this conversation as ${options.aiName} (an AI assistant). Each message from someone else starts with the speaker's name, role and channel. ${NOT_FOR_CUSTOMERS_MARK} marks a message the customer never saw (a note between staff): use what it says, never repeat or reveal it to the customer.`,
  );
  if (options.replyIsBlocked) sections.push('You may not send messages in this room right now: do not write a reply; use your tools if something needs doing.');
  else if (options.instructions) sections.push(options.instructions);
  const roomFacts = pick(options.room.metadata, options.exposed?.room);
  if (Object.keys(roomFacts).length > 0) sections.push(`Facts about this conversation: ${JSON.stringify(roomFacts)}`);
  const customers = options.bindings
    .filter((b) => roleOf(b) === 'customer' && b.state !== 'left')
    .map((b) => ({ address: b.address, channel: b.channelType, ...pick(b.metadata, options.exposed?.binding) }))
    .filter((c) => Object.keys(c).length > 2);
  if (customers.length > 0) sections.push(`Facts about the customer: ${JSON.stringify(customers)}`);
  return sections.join('\n\n');
}
