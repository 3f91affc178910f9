// The building block of the operations table: a named handler whose input is checked against a
// JSON Schema (ajv, compiled once) and an optional check for rules a schema cannot express, plus
// what the external surfaces are generated from (`api`): the REST route, the output schema, the
// errors, examples and the read-only / destructive flags (REST, OpenAPI and MCP tools).
import type { EngineParts } from '../engine-parts';
import type { ErrorCode } from '../errors';
import { compileValidator, type Schema } from '../validation';

/**
 * What the engine hands every operation: the parts the operations of the table use between them
 * (all but the webhook path's in-flight provider messages). Each handler declares the few it uses;
 * a caller that runs any operation by name (the AI's tools) needs them all.
 */
export type OperationParts = Pick<
  EngineParts,
  'store' | 'cache' | 'serial' | 'hooks' | 'notifier' | 'channels' | 'delivery' | 'scheduler' | 'clock' | 'logger' | 'leases' | 'maxChainDepth' | 'mergedIdentities' | 'chatTokenSecret'
>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface OperationExample {
  summary: string;
  input: Record<string, unknown>;
}

/** What every surface needs beside the handler; `operations.test.ts` names any field missing. */
export interface OperationApi {
  /** REST mapping: `{name}` segments are input fields; GET takes the rest from the query string. */
  http: { method: HttpMethod; path: string };
  /** JSON Schema of the result. */
  output: Schema;
  /** The error codes this operation can answer with (besides invalid_input, unauthorized, forbidden). */
  errors: ErrorCode[];
  examples: OperationExample[];
  /** Removes or ends something for good (MCP `destructiveHint`); defaults to false. */
  destructive?: boolean;
}

export interface Operation<I = unknown, O = unknown> {
  name: string;
  description: string;
  /** False for pure reads (REST maps them to GET-safe semantics; MCP marks them read-only). */
  mutates: boolean;
  input: Schema;
  validate: (input: unknown) => I;
  handler: (parts: OperationParts, input: I) => Promise<O>;
  /** Required for every operation; optional in the type so a new group compiles before it is described. */
  api?: OperationApi;
}

export function operation<I, O>(
  name: string,
  description: string,
  mutates: boolean,
  properties: Record<string, unknown>,
  required: string[],
  handler: (parts: OperationParts, input: I) => Promise<O>,
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

/** Gives each operation of a group its surface description; a name that matches no operation is a mistake. */
export function withApi<T extends Operation<any, unknown>>(group: T[], apis: Record<string, OperationApi>): T[] {
  const names = new Set(group.map((op) => op.name));
  for (const name of Object.keys(apis)) if (!names.has(name)) throw new Error(`API description for unknown operation ${name}`);
  return group.map((op) => (apis[op.name] ? { ...op, api: apis[op.name] } : op));
}
