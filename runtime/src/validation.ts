// ajv, compiled once per schema; errors are turned into one RoomwireError naming the field in the
// dotted/bracket form users write (`content.buttons[3].title: longer than 20`).
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { invalid } from './errors';

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: false });
addFormats(ajv);

export type Schema = Record<string, unknown>;

/**
 * A validator that throws `invalid_input` naming the first offending field. The schema is compiled
 * on the first call, once: compiling every operation's schemas when the module loads took most of
 * the second that loading the runtime took (Node-RED's start, every process that embeds it).
 */
export function compileValidator<T>(schema: Schema, root = ''): (input: unknown) => T {
  let validate: ValidateFunction | undefined;
  return (input: unknown): T => {
    const notJson = notJsonError(input, root);
    if (notJson) throw invalid(notJson.field, notJson.message);
    validate ??= ajv.compile(schema);
    if (validate(input)) return input as T;
    const error = mostSpecificError(validate.errors ?? []);
    throw invalid(fieldPath(root, error), describe(error));
  };
}

/** Deeper than any real payload, far below what `JSON.stringify` and SQLite's JSON functions can take. */
export const MAX_JSON_DEPTH = 64;

/**
 * Inputs are JSON on every surface. A value JSON cannot carry (a cycle, a BigInt, a function, NaN,
 * a string that is not well-formed Unicode) or nested absurdly deep would otherwise pass a schema that only looks at the top (metadata, custom
 * data) and fail later when it is serialized for the store, as a 500 for the caller's mistake.
 */
function notJsonError(input: unknown, root: string): { field: string; message: string } | null {
  const walk: Walk = { ancestors: onThePath, trail: null };
  const message = walkJson(walk, input, 0);
  if (message === null) return null;
  let field = root;
  const trail = walk.trail ?? [];
  for (let i = trail.length - 1; i >= 0; i--) {
    const segment = trail[i]!;
    field = typeof segment === 'number' ? `${field}[${segment}]` : field ? `${field}.${segment}` : segment;
  }
  return { field: field || '(input)', message };
}

/**
 * What the walk of one input keeps. The objects on the path to the current value are a stack
 * (at most `MAX_JSON_DEPTH` deep, so looking through it is cheap), not a set: every operation
 * call walks its input, and a set with its hash table cost more than the rest of the walk. The
 * path to the offending value, innermost first, is built only on the way out of a failure, so a
 * valid input (nearly every one) allocates no path.
 */
const onThePath: object[] = [];

interface Walk {
  /** Shared by every walk: a walk is synchronous and leaves it empty (each push is popped in a `finally`). */
  ancestors: object[];
  trail: (string | number)[] | null;
}

function walkJson(walk: Walk, value: unknown, depth: number): string | null {
  if (typeof value === 'string') return isWellFormed(value) ? null : LONE_SURROGATE;
  if (value === null || typeof value === 'boolean' || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : 'must be a finite number';
  if (typeof value !== 'object') return `must be JSON, not a ${typeof value}`;
  if (depth >= MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels`;
  if (walk.ancestors.includes(value)) return 'refers to itself (circular)';
  walk.ancestors.push(value);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const error = walkJson(walk, value[i], depth + 1);
        if (error) {
          (walk.trail ??= []).push(i);
          return error;
        }
      }
    } else {
      for (const key in value) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
        if (!isWellFormed(key)) {
          (walk.trail ??= []).push(JSON.stringify(key));
          return `(a key) ${LONE_SURROGATE}`;
        }
        const error = walkJson(walk, (value as Record<string, unknown>)[key], depth + 1);
        if (error) {
          (walk.trail ??= []).push(key);
          return error;
        }
      }
    }
    return null;
  } finally {
    walk.ancestors.pop();
  }
}

/**
 * SQLite and every JSON encoder store a lone UTF-16 surrogate as U+FFFD, so the string written is
 * not the one later looked up (an address would never match again). Such strings are refused at
 * the door, on every surface, instead of being silently altered.
 */
const LONE_SURROGATE = 'contains a lone UTF-16 surrogate (not well-formed Unicode)';

function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/** Prefer errors deep in the input; for a `oneOf`/`anyOf` miss, the branch errors say more. */
function mostSpecificError(errors: ErrorObject[]): ErrorObject {
  const useful = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if');
  const pool = useful.length > 0 ? useful : errors;
  return pool.reduce((best, e) => (depth(e) > depth(best) ? e : best), pool[0]!);
}

function depth(error: ErrorObject): number {
  // A missing or unknown property names a child, but an error on a value that is there says more
  // (a `oneOf` of object shapes: the URL's pattern, not "handler is required" from the other branch).
  const extra = error.keyword === 'required' || error.keyword === 'additionalProperties' ? 0.5 : 0;
  return error.instancePath.split('/').length + extra;
}

function fieldPath(root: string, error: ErrorObject): string {
  let path = root;
  for (const segment of error.instancePath.split('/').slice(1)) {
    const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(key) ? `[${key}]` : path ? `.${key}` : key;
  }
  const params = error.params as Record<string, unknown>;
  const child =
    error.keyword === 'required'
      ? String(params.missingProperty)
      : error.keyword === 'additionalProperties'
        ? String(params.additionalProperty)
        : '';
  if (child) path += path ? `.${child}` : child;
  return path || '(input)';
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'maxLength':
      return `longer than ${String(params.limit)}`;
    case 'minLength':
      return Number(params.limit) === 1 ? 'must not be empty' : `shorter than ${String(params.limit)}`;
    case 'maxItems':
      return `more than ${String(params.limit)} items`;
    case 'minItems':
      return `fewer than ${String(params.limit)} items`;
    case 'type':
      return `must be ${String(params.type).split(',').join(' or ')}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    default:
      return error.message ?? 'is invalid';
  }
}

const METADATA_LIMIT_BYTES = 32 * 1024;

/** DESIGN.md section 2: up to 32 KB of JSON metadata on every room, binding and event. */
export function checkMetadataSize(metadata: unknown, field: string): void {
  if (metadata === undefined) return;
  const size = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
  if (size > METADATA_LIMIT_BYTES) throw invalid(field, `larger than 32 KB (${size} bytes)`);
}
