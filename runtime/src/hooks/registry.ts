// All hooks the engine knows: registered in memory by code or flows (a Node-RED `hook` node), or
// persisted room hooks whose handler is found by name among the registered handlers, or is a URL.
import type { HookContext, HookDecision, HookHandler, HookSettings, HookTrigger, StoredHook } from './types';
import { callHttpHook } from './http-hook';

export interface ActiveHook extends HookSettings {
  id: string;
  /** Registration order: ties on priority run in the order hooks were added. */
  sequence: number;
  handler: HookHandler;
  persisted: boolean;
}

export class HookRegistry {
  private readonly hooks = new Map<string, ActiveHook>();
  private readonly namedHandlers = new Map<string, HookHandler>();
  private sequence = 0;

  add(id: string, settings: HookSettings, handler: HookHandler, persisted = false): void {
    this.hooks.set(id, { ...settings, id, handler, persisted, sequence: this.sequence++ });
  }

  remove(id: string): boolean {
    return this.hooks.delete(id);
  }

  /** A persisted hook runs through a named handler (resolved at call time) or an HTTP endpoint. */
  addStored(stored: StoredHook): void {
    const target = stored.target;
    const handler: HookHandler =
      'url' in target
        ? (context) => callHttpHook(target.url, context, stored.timeoutMs)
        : (context) => {
            const named = this.namedHandlers.get(target.handler);
            if (!named) throw new Error(`no hook handler named ${JSON.stringify(target.handler)} is registered`);
            return named(context);
          };
    this.add(stored.id, stored, handler, true);
  }

  /** The persisted hooks become exactly `stored`; one already known keeps its place among ties of priority. */
  replaceStored(stored: StoredHook[]): void {
    const ids = new Set(stored.map((hook) => hook.id));
    for (const hook of this.hooks.values()) if (hook.persisted && !ids.has(hook.id)) this.hooks.delete(hook.id);
    for (const hook of stored) {
      const sequence = this.hooks.get(hook.id)?.sequence;
      this.addStored(hook);
      if (sequence !== undefined) this.hooks.get(hook.id)!.sequence = sequence;
    }
  }

  registerHandler(name: string, handler: HookHandler): () => void {
    this.namedHandlers.set(name, handler);
    return () => {
      if (this.namedHandlers.get(name) === handler) this.namedHandlers.delete(name);
    };
  }

  get(id: string): ActiveHook | undefined {
    return this.hooks.get(id);
  }

  list(roomId?: string): ActiveHook[] {
    return [...this.hooks.values()].filter((hook) => roomId === undefined || hook.roomId === roomId);
  }

  /** Hooks for a trigger in a room, in run order: priority ascending, then registration order. */
  forTrigger(trigger: HookTrigger, roomId: string): ActiveHook[] {
    const matching: ActiveHook[] = [];
    for (const hook of this.hooks.values()) {
      if (hook.trigger === trigger && (hook.roomId === null || hook.roomId === roomId)) matching.push(hook);
    }
    return matching.sort((a, b) => a.priority - b.priority || a.sequence - b.sequence);
  }

  hasAny(trigger: HookTrigger): boolean {
    for (const hook of this.hooks.values()) if (hook.trigger === trigger) return true;
    return false;
  }
}

export type { HookContext, HookDecision };
