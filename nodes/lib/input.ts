// Input handling shared by the flow nodes: one async handler per message; its result is sent, and
// any error goes to done(err) (Catch nodes see it, with `code` from the engine) and to the status.
import { RoomwireError } from '@roomwire/runtime';
import type { Node, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { nodeStatus } from './node-status';

export type InputHandler = (msg: NodeMessageInFlow) => Promise<NodeMessage | null>;

const STATUS_TEXT_LENGTH = 40;

export function handleInput(node: Node, handler: InputHandler): void {
  node.on('input', (msg, send, done) => {
    handler(msg).then(
      (out) => {
        if (out) send(out);
        done();
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        nodeStatus(node).now(failureStatus(failure));
        done(failure);
      },
    );
  });
}

/** A red status for a failure, its message cut to what fits under a node on the canvas. */
export function failureStatus(error: unknown): NodeStatus {
  const text = error instanceof Error ? error.message : String(error);
  return { fill: 'red', shape: 'ring', text: text.length > STATUS_TEXT_LENGTH ? `${text.slice(0, STATUS_TEXT_LENGTH - 1)}…` : text };
}

/** A comma-separated setting as a list, blanks left out. */
export function commaList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** An input error naming the field, in the engine's own form (`roomId: is required`). */
export function fieldError(field: string, message: string): RoomwireError {
  return new RoomwireError('invalid_input', message, field);
}

/** A string property of msg: absent (undefined, null or '') or a string; anything else is an error. */
export function msgString(msg: NodeMessageInFlow, key: string): string | undefined {
  const value = msg[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw fieldError(`msg.${key}`, 'must be a string');
  return value;
}

/** The node's setting when it has one, else the msg property (Node-RED's usual precedence). */
export function settingOrMsg(setting: string | undefined, msg: NodeMessageInFlow, key: string): string | undefined {
  const configured = setting?.trim();
  return configured ? configured : msgString(msg, key);
}

/**
 * A deep copy for msg: engine records must never be shared with flows that may modify them. Plain
 * objects and arrays (all an engine record holds) are copied here, several times faster than
 * `structuredClone`, which a flow carrying thousands of messages a second felt; anything else (a
 * Date, a Buffer, a class instance, a cycle: a flow's own values) is left to `structuredClone`,
 * with its rules.
 */
export function plain<T>(value: T): T {
  try {
    return copyPlain(value, 0);
  } catch (error) {
    if (error !== NOT_PLAIN) throw error;
    return structuredClone(value);
  }
}

const NOT_PLAIN = Symbol('not plain data');
/** Deeper than any record: a cycle, which `structuredClone` copies as a cycle. */
const MAX_PLAIN_DEPTH = 64;

function copyPlain<T>(value: T, depth: number): T {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') throw NOT_PLAIN;
    return value;
  }
  if (depth > MAX_PLAIN_DEPTH) throw NOT_PLAIN;
  if (Array.isArray(value)) return value.map((item: unknown) => copyPlain(item, depth + 1)) as T;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) throw NOT_PLAIN;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = copyPlain((value as Record<string, unknown>)[key], depth + 1);
  return copy as T;
}

/** Input for an operation without the keys a flow left unset (schemas reject unknown nulls). */
export function defined<T extends Record<string, unknown>>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined && value !== null)) as Partial<T>;
}
