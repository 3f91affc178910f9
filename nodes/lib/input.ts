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

/** A deep copy for msg: engine records must never be shared with flows that may modify them. */
export function plain<T>(value: T): T {
  return structuredClone(value);
}

/** Input for an operation without the keys a flow left unset (schemas reject unknown nulls). */
export function defined<T extends Record<string, unknown>>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined && value !== null)) as Partial<T>;
}
