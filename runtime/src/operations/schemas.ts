// JSON Schema fragments shared by the operation inputs.
import { contentSchema } from '../content';
import { HOOK_TRIGGERS } from '../hooks/types';

export const id = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:@+-]+$' } as const;
export const address = { type: 'string', minLength: 1, maxLength: 256 } as const;
export const metadata = { type: 'object' } as const;
export const isoDuration = {
  type: 'string',
  maxLength: 64,
  pattern: '^P(?!$)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+(\\.\\d+)?S)?)?$',
} as const;
export const access = { enum: ['read_write', 'read_only', 'write_only', 'none'] } as const;
export const audience = { enum: ['external', 'internal'] } as const;
export const bindingState = { enum: ['invited', 'joined', 'left'] } as const;
export const roomState = { enum: ['active', 'paused', 'closed', 'archived'] } as const;
export const visibility = {
  oneOf: [{ enum: ['all', 'internal', 'none'] }, { type: 'array', items: id, minItems: 1, maxItems: 100, uniqueItems: true }],
} as const;
export const eventType = {
  type: 'string',
  maxLength: 72,
  pattern: '^(message|system|custom:[a-z0-9][a-z0-9._-]{0,63})$',
} as const;
export const content = contentSchema;
export const limit = { type: 'integer', minimum: 1, maximum: 1000 } as const;
export const index = { type: 'integer', minimum: 0 } as const;

export const bindingSpec = {
  type: 'object',
  properties: {
    channelId: id,
    address,
    displayName: { type: 'string', maxLength: 256 },
    audience,
    access,
    muted: { type: 'boolean' },
    visibility,
    state: { enum: ['invited', 'joined'] },
    metadata,
  },
  required: ['channelId', 'address'],
  additionalProperties: false,
} as const;

export const hookFilters = {
  type: 'object',
  properties: {
    channelTypes: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 50 },
    channelIds: { type: 'array', items: id, maxItems: 50 },
    directions: { type: 'array', items: { enum: ['inbound', 'outbound'] }, maxItems: 2 },
    eventTypes: { type: 'array', items: eventType, maxItems: 50 },
  },
  additionalProperties: false,
} as const;

export const hookTrigger = { enum: [...HOOK_TRIGGERS] } as const;
