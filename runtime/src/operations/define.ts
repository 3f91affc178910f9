// The building block of the operations table: a named handler whose input is checked against a
// JSON Schema (ajv, compiled once) and an optional check for rules a schema cannot express.
import type { EngineParts } from '../engine-parts';
import { compileValidator, type Schema } from '../validation';

export interface Operation<I = unknown, O = unknown> {
  name: string;
  description: string;
  /** False for pure reads (REST maps them to GET-safe semantics; MCP marks them read-only). */
  mutates: boolean;
  input: Schema;
  validate: (input: unknown) => I;
  handler: (parts: EngineParts, input: I) => Promise<O>;
}

export function operation<I, O>(
  name: string,
  description: string,
  mutates: boolean,
  properties: Record<string, unknown>,
  required: string[],
  handler: (parts: EngineParts, input: I) => Promise<O>,
  check?: (input: I) => void,
): Operation<I, O> {
  const input: Schema = { type: 'object', properties, required, additionalProperties: false };
  const validateShape = compileValidator<I>(input);
  return {
    name,
    description,
    mutates,
    input,
    validate: (raw: unknown) => {
      const value = validateShape(raw);
      check?.(value);
      return value;
    },
    handler,
  };
}
