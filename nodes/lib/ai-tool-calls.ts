// Flow tool calls waiting for the flow's answer, shared by every `roomwire-ai-reply` node the way
// `hook` and `hook return` share sync hook requests (hook-requests.ts): the msg on the node's
// second output carries only the call id; the answer comes back into an `ai reply` node's input
// with that id. The runtime enforces the tool's timeout; entries leave when answered, timed out or
// when their node closes.
import type { FlowToolCall, Json } from '@roomwire/runtime';

interface Waiting {
  owner: string;
  settle: (outcome: { result: Json } | { error: Error }) => void;
}

const waiting = new Map<string, Waiting>();

/** Registers call `call.id` of node `owner`; the promise settles with the flow's answer. */
export function openToolCall(owner: string, call: FlowToolCall, timeoutMs: number): Promise<Json> {
  return new Promise<Json>((resolve, reject) => {
    const timer = setTimeout(() => waiting.delete(call.id), timeoutMs);
    waiting.set(call.id, {
      owner,
      settle: (outcome) => {
        clearTimeout(timer);
        waiting.delete(call.id);
        if ('error' in outcome) reject(outcome.error);
        else resolve(outcome.result);
      },
    });
  });
}

/** Completes a call; false when it is no longer pending (answered, timed out, or its node stopped). */
export function answerToolCall(id: string, outcome: { result: Json } | { error: Error }): boolean {
  const entry = waiting.get(id);
  if (!entry) return false;
  entry.settle(outcome);
  return true;
}

export function failToolCallsOf(owner: string, error: Error): void {
  for (const [id, entry] of waiting) if (entry.owner === owner) answerToolCall(id, { error });
}
