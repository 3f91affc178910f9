// Inputs derived from an operation's JSON Schema: a minimal valid input, and wrong values per
// property. Derived rather than hand-written so that a new operation is covered the day it lands.
import { contentSchema } from '../../../runtime/src/content';

type Schema = Record<string, any>;

const STRING_CANDIDATES = ['x1', 'message', 'PT1H', 'http://127.0.0.1/hook', 'a'];

/** A small value the schema accepts. */
export function sample(schema: Schema): unknown {
  if (schema === contentSchema) return { type: 'text', text: 'hello' };
  if (schema.oneOf) return sample(schema.oneOf[0]);
  if (schema.enum) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  switch (Array.isArray(schema.type) ? schema.type[0] : schema.type) {
    case 'string': {
      if (schema.format === 'date-time') return '2024-01-01T00:00:00Z';
      const pattern = schema.pattern ? new RegExp(schema.pattern) : null;
      return STRING_CANDIDATES.find((c) => !pattern || pattern.test(c)) ?? 'x1';
    }
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return true;
    case 'array':
      return schema.minItems ? [sample(schema.items)] : [];
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? []) out[name] = sample(schema.properties[name]);
      return out;
    }
    default:
      return 'x1';
  }
}

/** A value of the wrong type (or outside the enum) for this schema. */
export function wrongValue(schema: Schema): unknown {
  if (schema.enum || schema.const !== undefined) return '__not_allowed__';
  if (schema.oneOf) return 42;
  if (Array.isArray(schema.type)) return schema.type.includes('string') ? 42 : 'wrong type';
  switch (schema.type) {
    case 'string':
      return 42;
    case 'integer':
      return 1.5;
    case 'number':
      return 'many';
    case 'boolean':
      return 'yes';
    case 'array':
      return 'not an array';
    case 'object':
      return 'not an object';
    default:
      return Symbol('nothing');
  }
}

/** Rules across fields that a schema does not state (exactly one of two fields...). */
const CROSS_FIELD: Record<string, Record<string, unknown>> = {
  transcodeContent: { channelType: 'sms' },
  lookupIdentity: { externalId: 'x1' },
};

/** A minimal valid input of an operation. */
export function sampleInput(op: { name: string; input: unknown }): Record<string, unknown> {
  return { ...(sample(op.input as Schema) as Record<string, unknown>), ...CROSS_FIELD[op.name] };
}
