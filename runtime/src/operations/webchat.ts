// Web chat operations: the join token of a customer's binding, its check, and the typing signal
// (DESIGN.md section 12). The web chat transport (webchat/) and the agent inbox use them, as can
// any REST or MCP client that acts as a binding.
import type { EngineParts } from '../engine-parts';
import { RoomwireError, notFound } from '../errors';
import { validateContent } from '../content-validation';
import type { Binding, Content, RoomEvent } from '../model';
import { canSeeInHistory, writeGate } from '../permissions';
import { writeEvent, type WriteParts } from '../pipeline/write-event';
import { joinIfInvited } from '../rooms';
import { replyChoices } from '../webchat/choices';
import { WEBCHAT_PROVIDER } from '../webchat/provider-name';
import { signChatToken, verifyChatToken, type ChatTokenClaims } from '../webchat/tokens';
import { operation, withApi, type Operation } from './define';
import * as out from './output-schemas';
import * as s from './schemas';

/** A visitor's message: its web chat binding checked, then written like any message. */
type VisitorWriteParts = WriteParts & Pick<EngineParts, 'channels'>;

/** 30 days: a token is a bearer secret kept in the customer's browser; a long life is a long leak. */
const MAX_TOKEN_SECONDS = 30 * 24 * 3600;
const DEFAULT_TOKEN_SECONDS = 24 * 3600;

async function currentBinding(parts: Pick<EngineParts, 'store' | 'cache'>, bindingId: string): Promise<Binding | null> {
  const stored = await parts.store.getBinding(bindingId);
  return (stored && parts.cache.peek(stored.roomId)?.binding(bindingId)) ?? stored;
}

async function requireWebchatBinding(parts: Pick<EngineParts, 'store' | 'cache' | 'channels'>, bindingId: string): Promise<Binding> {
  const binding = await currentBinding(parts, bindingId);
  if (!binding) throw notFound('binding', bindingId, 'bindingId');
  const channel = parts.channels.get(binding.channelId)?.channel ?? (await parts.store.getChannel(binding.channelId));
  if (channel?.provider !== WEBCHAT_PROVIDER) {
    throw new RoomwireError('invalid_input', `binding ${bindingId} is on channel ${binding.channelId}, which is not a web chat channel`, 'bindingId');
  }
  if (binding.state === 'left') throw new RoomwireError('forbidden', `binding ${bindingId} has left its room`, 'bindingId');
  return binding;
}

/** Checks a token and that its binding still exists, on its room and channel, and has not left. */
export async function redeemChatToken(parts: Pick<EngineParts, 'store' | 'cache' | 'clock' | 'chatTokenSecret'>, token: string): Promise<ChatTokenClaims> {
  const claims = verifyChatToken(parts.chatTokenSecret, token, parts.clock());
  const binding = await currentBinding(parts, claims.bindingId);
  if (!binding || binding.roomId !== claims.roomId || binding.channelId !== claims.channelId) {
    throw new RoomwireError('forbidden', 'the binding of this token no longer exists', 'token');
  }
  if (binding.state === 'left') throw new RoomwireError('forbidden', 'the binding of this token has left its room', 'token');
  return claims;
}

const operations: Operation<any, unknown>[] = [
  operation<{ bindingId: string; ttlSeconds?: number }, unknown>(
    'issueChatToken',
    'Issue a signed, expiring join token for a web chat binding. The token opens only that binding: the chat page connects with it to read what the binding may see and write as it.',
    true,
    { bindingId: s.id, ttlSeconds: { type: 'integer', minimum: 60, maximum: MAX_TOKEN_SECONDS } },
    ['bindingId'],
    async (parts: Pick<EngineParts, 'store' | 'cache' | 'channels' | 'clock' | 'chatTokenSecret'>, input) => {
      const binding = await requireWebchatBinding(parts, input.bindingId);
      const expiresAt = Math.floor(parts.clock() / 1000) + (input.ttlSeconds ?? DEFAULT_TOKEN_SECONDS);
      const token = signChatToken(parts.chatTokenSecret, { bindingId: binding.id, roomId: binding.roomId, channelId: binding.channelId, expiresAt });
      return { token, bindingId: binding.id, roomId: binding.roomId, channelId: binding.channelId, expiresAt: new Date(expiresAt * 1000).toISOString() };
    },
  ),
  operation<{ token: string }, unknown>(
    'redeemChatToken',
    'Check a web chat join token: which binding, room and channel it opens, and until when. Refused (401) when forged or expired, (403) when its binding is gone or has left.',
    false,
    { token: { type: 'string', minLength: 1, maxLength: 2048 } },
    ['token'],
    async (parts: Pick<EngineParts, 'store' | 'cache' | 'clock' | 'chatTokenSecret'>, input) => {
      const claims = await redeemChatToken(parts, input.token);
      return { ...claims, expiresAt: new Date(claims.expiresAt * 1000).toISOString() };
    },
  ),
  operation<{ bindingId: string; typing: boolean }, unknown>(
    'setTyping',
    'Tell the other participants that this binding is typing (or stopped). A signal only: nothing is stored; participants who may see its messages are told.',
    true,
    { bindingId: s.id, typing: { type: 'boolean' } },
    ['bindingId', 'typing'],
    async (parts: Pick<EngineParts, 'store' | 'cache' | 'notifier' | 'logger'>, input) => {
      const binding = await currentBinding(parts, input.bindingId);
      if (!binding) throw notFound('binding', input.bindingId, 'bindingId');
      if (binding.state === 'left') throw new RoomwireError('forbidden', `binding ${binding.id} has left its room`, 'bindingId');
      // A muted or read-only participant's words reach nobody; neither does its typing.
      const told = writeGate(binding) === null;
      if (told) {
        const signal = { roomId: binding.roomId, bindingId: binding.id, typing: input.typing };
        parts.notifier.emit({ kind: 'typing', ...signal });
        // Pages connected to other instances are told too; a signal lost on the way is not worth failing for.
        await parts.store.changes?.signal(signal).catch((error: unknown) => parts.logger.warn(`typing signal not sent to the other instances: ${String(error)}`));
      }
      return { roomId: binding.roomId, bindingId: binding.id, typing: input.typing, told };
    },
  ),
  operation<{ bindingId: string; eventId: string; postback: string; idempotencyKey?: string }, unknown>(
    'sendChatReply',
    "A web chat visitor picks a choice a message offered (a reply button, quick reply or list row): writes the choice's title as the binding's inbound text message, with `reply` naming the message, the choice's number and its postback, as a numbered answer on SMS does.",
    true,
    { bindingId: s.id, eventId: s.id, postback: { type: 'string', minLength: 1, maxLength: 2048 }, idempotencyKey: { type: 'string', minLength: 1, maxLength: 256 } },
    ['bindingId', 'eventId', 'postback'],
    async (parts: VisitorWriteParts, input) => {
      const binding = await requireWebchatBinding(parts, input.bindingId);
      const offered = await parts.store.getEvent(input.eventId);
      // A message the binding cannot see is, for it, a message that does not exist.
      if (!offered || offered.roomId !== binding.roomId || !canSeeInHistory(binding, offered)) throw notFound('event', input.eventId, 'eventId');
      const choice = replyChoices(offered.content).find((c) => c.postback === input.postback);
      if (!choice) throw new RoomwireError('invalid_input', `event ${offered.id} offers no choice with this postback`, 'postback');
      const result = await writeAsVisitor(parts, binding, { type: 'text', text: choice.title }, input.idempotencyKey, {
        eventId: offered.id,
        number: choice.number,
        title: choice.title,
        postback: choice.postback,
      });
      return { event: result.event, duplicate: result.duplicate, deliveryIds: result.deliveryIds };
    },
  ),
  operation<{ bindingId: string; content: Content; idempotencyKey?: string }, unknown>(
    'sendChatMessage',
    "A web chat visitor's message, written as its binding and as inbound traffic of its channel (like an SMS arriving): it resumes a paused room and hooks see it as inbound.",
    true,
    { bindingId: s.id, content: s.content, idempotencyKey: { type: 'string', minLength: 1, maxLength: 256 } },
    ['bindingId', 'content'],
    async (parts: VisitorWriteParts, input) => {
      const binding = await requireWebchatBinding(parts, input.bindingId);
      const result = await writeAsVisitor(parts, binding, input.content, input.idempotencyKey);
      return { event: result.event, duplicate: result.duplicate, deliveryIds: result.deliveryIds };
    },
    (input) => validateContent(input.content),
  ),
];

export const webchatOperations = withApi(operations, {
  issueChatToken: {
    http: { method: 'POST', path: '/bindings/{bindingId}/chat-tokens' },
    output: out.chatToken,
    errors: ['not_found'],
    examples: [{ summary: 'A one-hour token for visitor binding b1', input: { bindingId: 'b1', ttlSeconds: 3600 } }],
  },
  // POST although it only reads: the token is a bearer secret and must not travel in a URL (docs/decisions.md).
  redeemChatToken: {
    http: { method: 'POST', path: '/chat-tokens/redeem' },
    output: out.chatTokenClaims,
    errors: [],
    examples: [{ summary: 'What a token opens', input: { token: 'eyJiIjoiYjEiLCJyIjoicjEiLCJjIjoiY2hhdCIsImUiOjE4MDAwMDAwMDB9.c2lnbmF0dXJl' } }],
  },
  setTyping: {
    http: { method: 'PUT', path: '/bindings/{bindingId}/typing' },
    output: out.typing,
    errors: ['not_found'],
    examples: [{ summary: 'Visitor b1 starts typing', input: { bindingId: 'b1', typing: true } }],
  },
  sendChatReply: {
    http: { method: 'POST', path: '/bindings/{bindingId}/chat-replies' },
    output: out.eventWrite,
    errors: ['not_found', 'room_closed'],
    examples: [{ summary: 'Visitor b1 picks "Yes" on message e7', input: { bindingId: 'b1', eventId: 'e7', postback: 'confirm-yes' } }],
  },
  sendChatMessage: {
    http: { method: 'POST', path: '/bindings/{bindingId}/chat-messages' },
    output: out.eventWrite,
    errors: ['not_found', 'room_closed'],
    examples: [{ summary: 'Visitor b1 says hello', input: { bindingId: 'b1', content: { type: 'text', text: 'Hi, is anyone there?' } } }],
  },
});

/**
 * What a chat page writes arrives through its web chat channel: inbound, as that channel's
 * provider; an invited visitor joins by writing, as one who writes in by SMS does.
 */
async function writeAsVisitor(parts: VisitorWriteParts, binding: Binding, content: Content, idempotencyKey: string | undefined, reply?: RoomEvent['reply']) {
  await joinIfInvited(parts, binding);
  return writeEvent(parts, {
    roomId: binding.roomId,
    bindingId: binding.id,
    content,
    provider: { name: WEBCHAT_PROVIDER, channelId: binding.channelId, raw: null },
    ...(reply ? { reply } : {}),
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });
}
