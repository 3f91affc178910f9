// Running hooks: sync triggers in priority order with a timeout and a fail mode each; async
// triggers fire and forget (errors are reported, never thrown into the pipeline).
import type { Room, RoomEvent, Binding, JsonObject, ObservationInput, TaskInput } from '../model';
import type { ActiveHook, HookRegistry } from './registry';
import type { HookContext, HookDecision, HookTrigger, InjectedEvent } from './types';
import { checkDecision } from './decision';
import { checkMetadataSize } from '../validation';

export interface SyncOutcome {
  /** Set when a hook blocked the event (or failed closed): the hook's name is the `blockedBy`. */
  blockedBy: string | null;
  blockReason: string | null;
  event: RoomEvent;
  inject: { hook: string; event: InjectedEvent }[];
  tasks: { hook: string; task: TaskInput }[];
  observations: { hook: string; observation: ObservationInput }[];
  metadataUpdates: JsonObject;
  /** Hooks that errored or timed out, with what the fail mode decided. */
  failures: { hook: string; error: string; failMode: 'open' | 'closed' }[];
}

/** The channel a hook's channel filters look at: the source's, or for delivery triggers the target's. */
interface FilterChannel {
  id: string | null;
  type: string | null;
}

function filterChannel(event: RoomEvent, sourceBinding: Binding | null | undefined, targetBinding: Binding | undefined): FilterChannel {
  if (targetBinding) return { id: targetBinding.channelId, type: targetBinding.channelType };
  return { id: event.source.channelId, type: sourceBinding?.channelType ?? null };
}

function matchesFilters(hook: ActiveHook, event: RoomEvent, channel: FilterChannel): boolean {
  const f = hook.filters;
  const channelType = channel.type;
  if (f.eventTypes && f.eventTypes.length > 0 && !f.eventTypes.includes(event.type)) return false;
  if (f.directions && f.directions.length > 0 && !f.directions.includes(event.direction)) return false;
  if (f.channelIds && f.channelIds.length > 0 && !(channel.id && f.channelIds.includes(channel.id))) return false;
  if (f.channelTypes && f.channelTypes.length > 0 && !(channelType && f.channelTypes.includes(channelType))) return false;
  return true;
}

class HookTimeout extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

/** Runs a hook handler with its timeout; a handler that throws synchronously rejects too. */
export async function withTimeout<T>(work: () => Promise<T> | T, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(work),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HookTimeout(ms)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export async function runSyncHooks(
  registry: HookRegistry,
  trigger: HookTrigger,
  room: Room,
  event: RoomEvent,
  sourceBinding: Binding | null,
  writeGate: string | null,
  /** Content a hook returns (modify, inject) passes the same schema as any write; throws if not. */
  validateContent: (content: unknown, field: string) => void,
  targetBinding?: Binding,
): Promise<SyncOutcome> {
  const outcome: SyncOutcome = {
    blockedBy: null,
    blockReason: null,
    event,
    inject: [],
    tasks: [],
    observations: [],
    metadataUpdates: {},
    failures: [],
  };
  const channel = filterChannel(event, sourceBinding, targetBinding);
  for (const hook of registry.forTrigger(trigger, room.id)) {
    if (!matchesFilters(hook, outcome.event, channel)) continue;
    const context: HookContext = { trigger, hook: hook.name, room, event: outcome.event, sourceBinding, writeGate, ...(targetBinding ? { targetBinding } : {}) };
    let decision: HookDecision | void;
    try {
      decision = checkDecision(await withTimeout(() => hook.handler(context), hook.timeoutMs));
      if (decision?.action === 'modify' && decision.content !== undefined) validateContent(decision.content, 'content');
      (decision?.inject ?? []).forEach((injected, i) => validateContent(injected.content, `inject[${i}].content`));
      // Metadata over the 32 KB bound is a malformed decision too: the hook's fail mode applies,
      // where a check after the hooks would refuse the whole write (an inbound message lost).
      if (decision?.action === 'modify' && decision.metadata !== undefined) checkMetadataSize(decision.metadata, 'metadata');
      if (decision?.metadataUpdates) checkMetadataSize({ ...room.metadata, ...outcome.metadataUpdates, ...decision.metadataUpdates }, 'metadataUpdates');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcome.failures.push({ hook: hook.name, error: message, failMode: hook.failMode });
      if (hook.failMode === 'closed') {
        outcome.blockedBy = hook.name;
        outcome.blockReason = `hook failed closed: ${message}`;
        return outcome;
      }
      continue;
    }
    if (!decision) continue;
    for (const task of decision.tasks ?? []) outcome.tasks.push({ hook: hook.name, task });
    for (const observation of decision.observations ?? []) outcome.observations.push({ hook: hook.name, observation });
    for (const injected of decision.inject ?? []) outcome.inject.push({ hook: hook.name, event: injected });
    Object.assign(outcome.metadataUpdates, decision.metadataUpdates ?? {});
    if (decision.action === 'block') {
      outcome.blockedBy = hook.name;
      outcome.blockReason = decision.reason ?? null;
      return outcome;
    }
    if (decision.action === 'modify') {
      outcome.event = {
        ...outcome.event,
        content: decision.content ?? outcome.event.content,
        metadata: decision.metadata ?? outcome.event.metadata,
      };
    }
  }
  return outcome;
}

/** Notification triggers: every matching hook runs; results are ignored, errors reported. */
export function runAsyncHooks(
  registry: HookRegistry,
  trigger: HookTrigger,
  room: Room,
  context: Omit<HookContext, 'trigger' | 'hook' | 'room'>,
  onError: (hook: string, error: unknown) => void,
): void {
  const hooks = registry.forTrigger(trigger, room.id);
  if (hooks.length === 0) return;
  for (const hook of hooks) {
    if (context.event && !matchesFilters(hook, context.event, filterChannel(context.event, context.sourceBinding, context.targetBinding))) continue;
    void withTimeout(() => hook.handler({ ...context, trigger, hook: hook.name, room }), hook.timeoutMs).catch((error) =>
      onError(hook.name, error),
    );
  }
}
