// JSON Schemas of what operations answer (OpenAPI responses, MCP tool output schemas). They
// describe the model of model.ts; extra properties are allowed so a field added to the model
// never makes an older schema lie.
import * as s from './schemas';

const text = { type: 'string' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const nullableText = { type: ['string', 'null'] } as const;
const object = { type: 'object' } as const;

function shape(properties: Record<string, unknown>, required: string[] = Object.keys(properties)): Record<string, unknown> {
  return { type: 'object', properties, required };
}

export const room = shape(
  { id: text, state: s.roomState, timers: object, metadata: object, tenantId: nullableText, latestIndex: { type: 'integer' }, version: { type: 'integer' }, createdAt: time, updatedAt: time },
  ['id', 'state', 'latestIndex', 'metadata'],
);

export const binding = shape(
  {
    id: text,
    roomId: text,
    channelId: text,
    channelType: text,
    address: text,
    identityId: nullableText,
    audience: s.audience,
    access: s.access,
    muted: { type: 'boolean' },
    visibility: s.visibility,
    state: s.bindingState,
    lastReadIndex: { type: 'integer' },
    metadata: object,
  },
  ['id', 'roomId', 'channelId', 'address', 'audience', 'access', 'muted', 'state'],
);

export const event = shape(
  {
    id: text,
    roomId: text,
    index: { type: 'integer' },
    type: text,
    content: object,
    source: object,
    direction: { enum: ['inbound', 'outbound'] },
    visibility: s.visibility,
    status: text,
    blockedBy: nullableText,
    correlationId: nullableText,
    metadata: object,
    createdAt: time,
  },
  ['id', 'roomId', 'index', 'type', 'content', 'status'],
);

export const delivery = shape(
  { id: text, eventId: text, roomId: text, bindingId: text, channelId: text, status: text, attempts: { type: 'integer' }, error: { type: ['object', 'null'] } },
  ['id', 'eventId', 'bindingId', 'status'],
);

export const sideEffect = shape(
  { id: text, roomId: text, eventId: nullableText, kind: { enum: ['task', 'observation'] }, data: object, producedBy: text, createdAt: time },
  ['id', 'roomId', 'kind', 'data'],
);

const identityAddress = shape({ channelType: text, address: text });
export const identity = shape(
  {
    id: text,
    displayName: nullableText,
    externalId: nullableText,
    addresses: { type: 'array', items: identityAddress },
    aliases: { type: 'array', items: identityAddress },
    metadata: object,
    mergedInto: nullableText,
  },
  ['id', 'addresses'],
);

export const hook = shape({ id: text, name: text, trigger: text, priority: { type: 'integer' }, roomId: nullableText }, ['id', 'name', 'trigger']);

export const channel = shape({ id: text, type: text, provider: text, direction: text, registered: { type: 'boolean' } }, ['id', 'type']);

export const aggregate = shape({ total: { type: 'integer' } });

export function list(key: string, item: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return shape({ [key]: { type: 'array', items: item }, ...extra }, [key]);
}

/** What an event write answers: the event, whether it repeated an idempotency key, and (for visitor writes) its deliveries. */
export const eventWrite = shape({ event, duplicate: { type: 'boolean' }, deliveryIds: { type: 'array', items: text } }, ['event', 'duplicate']);

const participantSummary = shape({
  bindingId: text,
  channelId: text,
  channelType: text,
  address: text,
  displayName: nullableText,
  audience: s.audience,
  muted: { type: 'boolean' },
  state: s.bindingState,
});

/** A room as one agent's inbox lists it (runtime/src/inbox.ts `InboxRoom`). */
export const inboxRoom = shape({
  id: text,
  state: s.roomState,
  createdAt: time,
  updatedAt: time,
  assignedTo: nullableText,
  needsHuman: { type: 'boolean' },
  channelTypes: { type: 'array', items: text },
  participants: { type: 'array', items: participantSummary },
  lastMessage: {
    oneOf: [{ type: 'null' }, shape({ index: { type: 'integer' }, text, internal: { type: 'boolean' }, from: nullableText, createdAt: time })],
  },
  unread: { type: 'integer', minimum: 0 },
  agentBindingId: nullableText,
});

/** What a web chat join token opens, and until when. */
const claims = { bindingId: text, roomId: text, channelId: text, expiresAt: time };
export const chatTokenClaims = shape(claims);
/** A join token just issued, with what it opens. */
export const chatToken = shape({ token: text, ...claims });

export const typing = shape({ roomId: text, bindingId: text, typing: { type: 'boolean' }, told: { type: 'boolean' } });

const modelCall = shape({
  id: text,
  createdAt: time,
  bindingId: text,
  eventId: nullableText,
  provider: text,
  model: text,
  inputTokens: { type: 'integer' },
  outputTokens: { type: 'integer' },
  latencyMs: { type: 'integer' },
  toolCalls: { type: 'array', items: text },
  error: { oneOf: [{ type: 'null' }, shape({ code: text, message: text })] },
});
const modelCallTotals = shape({ calls: { type: 'integer' }, failed: { type: 'integer' }, inputTokens: { type: 'integer' }, outputTokens: { type: 'integer' }, latencyMs: { type: 'integer' } });
export const modelCalls = shape({ calls: { type: 'array', items: modelCall }, totals: modelCallTotals });
