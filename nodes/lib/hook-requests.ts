// Sync hook requests waiting for a flow's decision, shared by `hook` and `hook return` the way
// `http in` and `http response` share a request: the msg carries only the request id, the
// resolver stays here. Entries leave the map when decided, when they time out, or when their
// hook node closes.
import { randomUUID } from 'node:crypto';
import type { HookDecision } from '@roomwire/runtime';

interface Waiting {
  owner: string;
  settle: (outcome: { decision: HookDecision } | { error: Error }) => void;
}

const waiting = new Map<string, Waiting>();

/**
 * A new request of hook node `owner`. The engine enforces the timeout (and the hook's fail mode);
 * the entry is dropped at the same moment so a late answer finds nothing. `onChange` reports that
 * the owner's pending count changed.
 */
export function openRequest(owner: string, timeoutMs: number, onChange: () => void): { id: string; decision: Promise<HookDecision> } {
  const id = randomUUID();
  const decision = new Promise<HookDecision>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      onChange();
    }, timeoutMs);
    waiting.set(id, {
      owner,
      settle: (outcome) => {
        clearTimeout(timer);
        waiting.delete(id);
        onChange();
        if ('error' in outcome) reject(outcome.error);
        else resolve(outcome.decision);
      },
    });
  });
  onChange();
  return { id, decision };
}

/** Completes a request; false when it is no longer pending (decided, timed out, or its hook closed). */
export function settleRequest(id: string, outcome: { decision: HookDecision } | { error: Error }): boolean {
  const entry = waiting.get(id);
  if (!entry) return false;
  entry.settle(outcome);
  return true;
}

export function pendingCount(owner: string): number {
  let count = 0;
  for (const entry of waiting.values()) if (entry.owner === owner) count++;
  return count;
}

/** Fails every request of a closing hook node, so the engine applies the fail mode at once. */
export function failRequestsOf(owner: string, error: Error): void {
  for (const [id, entry] of waiting) if (entry.owner === owner) settleRequest(id, { error });
}
