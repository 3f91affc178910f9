// `roomwire-hook-return`: completes the sync hook request named by msg.hook.id with a decision
// (allow, block, modify) and the side effects the flow attached (tasks, observations, injected
// events, room metadata updates), like `http response` completes an `http in` request.
import type { HookDecision, InjectedEvent, JsonObject, ObservationInput, TaskInput } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { fieldError, handleInput } from './lib/input';
import { settleRequest } from './lib/hook-requests';

interface HookReturnNodeDef extends NodeDef {
  action?: 'allow' | 'block' | 'modify' | 'msg';
  reason?: string;
}

const ACTIONS = ['allow', 'block', 'modify'] as const;
type Action = (typeof ACTIONS)[number];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An optional msg list whose items must be objects with a string `key` (the engine trusts hook output). */
function listOf<T>(msg: NodeMessageInFlow, field: string, key: string): T[] | undefined {
  const value = msg[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw fieldError(`msg.${field}`, 'must be an array');
  value.forEach((item, i) => {
    if (!isObject(item) || typeof item[key] !== 'string' || item[key] === '') {
      throw fieldError(`msg.${field}[${i}].${key}`, 'is required (a non-empty string)');
    }
  });
  return value as T[];
}

function decisionOf(msg: NodeMessageInFlow, def: HookReturnNodeDef): HookDecision {
  const action = (def.action && def.action !== 'msg' ? def.action : (msg.action ?? 'allow')) as Action;
  if (!ACTIONS.includes(action)) throw fieldError('msg.action', 'must be allow, block or modify');
  const decision: HookDecision = { action };
  if (action === 'block') {
    const reason = msg.reason ?? def.reason;
    if (reason !== undefined && reason !== '' && typeof reason !== 'string') throw fieldError('msg.reason', 'must be a string');
    if (reason) decision.reason = reason;
  }
  if (action === 'modify') {
    const event = msg.payload;
    if (!isObject(event) || (event.content === undefined && event.metadata === undefined)) {
      throw fieldError('msg.payload', 'must be the event with the content and/or metadata that replace the original');
    }
    if (event.content !== undefined) decision.content = event.content as HookDecision['content'];
    if (event.metadata !== undefined) decision.metadata = event.metadata as JsonObject;
  }
  const tasks = listOf<TaskInput>(msg, 'tasks', 'title');
  const observations = listOf<ObservationInput>(msg, 'observations', 'content');
  const inject = msg.inject;
  if (inject !== undefined && inject !== null) {
    if (!Array.isArray(inject) || inject.some((item) => !isObject(item))) throw fieldError('msg.inject', 'must be an array of {content, to?, visibility?, type?}');
    decision.inject = inject as InjectedEvent[];
  }
  const updates = msg.metadataUpdates;
  if (updates !== undefined && updates !== null) {
    if (!isObject(updates)) throw fieldError('msg.metadataUpdates', 'must be an object');
    decision.metadataUpdates = updates as JsonObject;
  }
  if (tasks) decision.tasks = tasks;
  if (observations) decision.observations = observations;
  // The answer to an on_identity `unknown` question (a flow as the identity resolver).
  const identityId = msg.identityId;
  if (identityId !== undefined && identityId !== null && identityId !== '') {
    if (typeof identityId !== 'string') throw fieldError('msg.identityId', 'must be a string (the identity the address belongs to)');
    decision.identityId = identityId;
  }
  const identity = msg.identity;
  if (identity !== undefined && identity !== null) {
    if (!isObject(identity)) throw fieldError('msg.identity', 'must be an object {displayName?, externalId?, metadata?}');
    decision.identity = identity as HookDecision['identity'];
  }
  return decision;
}

export = function (RED: NodeAPI): void {
  function RoomwireHookReturnNode(this: Node, def: HookReturnNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;

    handleInput(node, async (msg) => {
      const hook = msg.hook as { id?: unknown } | undefined;
      if (!isObject(hook) || typeof hook.id !== 'string') {
        throw fieldError('msg.hook.id', 'is missing: wire this node after a roomwire-hook node with a sync trigger');
      }
      let decision: HookDecision;
      try {
        decision = decisionOf(msg, def);
      } catch (error) {
        // A decision the flow got wrong is a hook failure: the engine applies the hook's fail mode.
        settleRequest(hook.id, { error: error as Error });
        throw error;
      }
      if (!settleRequest(hook.id, { decision })) {
        node.warn(`hook request ${hook.id} is no longer pending: it timed out, was already answered, or its hook node stopped`);
        node.status({ fill: 'yellow', shape: 'ring', text: 'late: already settled' });
        return null;
      }
      node.status({ fill: 'green', shape: 'dot', text: decision.action ?? 'allow' });
      return null;
    });
  }

  RED.nodes.registerType('roomwire-hook-return', RoomwireHookReturnNode);
};
