// `on_identity` hooks (DESIGN.md section 7). Identity changes concern a person, not one room:
// global hooks run once with `room: null`; a room hook runs when its room is affected (a merge
// re-points bindings there), with that room. `unknown` is the one decision an on_identity hook
// makes: the pluggable resolver (docs/identity.md).
import type { EngineParts } from '../engine-parts';
import type { ActiveHook } from '../hooks/registry';
import type { HookDecision } from '../hooks/types';
import { withTimeout } from '../hooks/run';
import type { JsonObject, Room } from '../model';

function identityHooks(parts: Pick<EngineParts, 'hooks'>): ActiveHook[] {
  return parts.hooks
    .list()
    .filter((hook) => hook.trigger === 'on_identity')
    .sort((a, b) => a.priority - b.priority || a.sequence - b.sequence);
}

/** A hook with a channel-type filter only hears about addresses of those channel types. */
function passesChannelTypes(hook: ActiveHook, detail: JsonObject): boolean {
  const types = hook.filters.channelTypes;
  if (!types || types.length === 0 || typeof detail.channelType !== 'string') return true;
  return types.includes(detail.channelType);
}

function warn(parts: Pick<EngineParts, 'logger'>, hook: string, error: unknown): void {
  parts.logger.warn(`hook ${hook} failed: ${error instanceof Error ? error.message : String(error)}`);
}

/** Notifies on_identity hooks of a change (`created`, `updated`, `merged`); never waits for them. */
export function announceIdentityChange(parts: Pick<EngineParts, 'hooks' | 'logger'>, detail: JsonObject, rooms: Room[] = []): void {
  const affected = new Map(rooms.map((room) => [room.id, room]));
  for (const hook of identityHooks(parts)) {
    if (hook.roomId !== null && !affected.has(hook.roomId)) continue;
    if (!passesChannelTypes(hook, detail)) continue;
    const room = hook.roomId === null ? null : affected.get(hook.roomId)!;
    void withTimeout(() => hook.handler({ trigger: 'on_identity', hook: hook.name, room, detail }), hook.timeoutMs).catch((error) =>
      warn(parts, hook.name, error),
    );
  }
}

/**
 * Asks the global on_identity hooks, in priority order, who an unknown address belongs to. The
 * first that answers `identityId` or `identity` decides; a hook that times out, fails or answers
 * nothing passes the question on, and with no answer the default resolver creates the identity.
 */
export async function askResolverHooks(
  parts: Pick<EngineParts, 'hooks' | 'logger'>,
  detail: { channelType: string; address: string; displayName: string | null },
): Promise<{ hook: string; decision: HookDecision } | null> {
  const context = { change: 'unknown', ...detail };
  for (const hook of identityHooks(parts)) {
    if (hook.roomId !== null || !passesChannelTypes(hook, context)) continue;
    try {
      const decision = await withTimeout(() => hook.handler({ trigger: 'on_identity', hook: hook.name, room: null, detail: { ...context } }), hook.timeoutMs);
      if (decision && (decision.identityId !== undefined || decision.identity !== undefined)) return { hook: hook.name, decision };
    } catch (error) {
      warn(parts, hook.name, error);
    }
  }
  return null;
}
