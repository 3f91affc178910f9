// `roomwire-hook-return`: completes the sync hook request named by msg.hook.id with a decision
// (allow, block, modify) and the side effects the flow attached (tasks, observations, injected
// events, room metadata updates), like `http response` completes an `http in` request.
import type { HookDecision } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { defined, fieldError, handleInput } from './lib/input';
import { settleRequest } from './lib/hook-requests';
import { translator } from './lib/i18n';
import { migrated } from './lib/migrate';
import { nodeStatus } from './lib/node-status';

interface HookReturnNodeDef extends NodeDef {
  action?: 'allow' | 'block' | 'modify' | 'msg';
  reason?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The decision from the node's setting and the msg. The engine checks it like any input (an
 * unknown action, a task without a title...) and a bad one fails the hook: its fail mode decides.
 */
function decisionOf(msg: NodeMessageInFlow, def: HookReturnNodeDef): HookDecision {
  const action = def.action && def.action !== 'msg' ? def.action : (msg.action ?? 'allow');
  const decision = {
    action,
    ...defined({ tasks: msg.tasks, observations: msg.observations, inject: msg.inject, metadataUpdates: msg.metadataUpdates }),
  } as HookDecision;
  if (action === 'block') {
    const reason = msg.reason ?? (def.reason || undefined);
    if (reason !== undefined) decision.reason = reason as string;
  }
  if (action === 'modify') {
    const event = msg.payload;
    if (!isObject(event) || (event.content === undefined && event.metadata === undefined)) {
      throw fieldError('msg.payload', 'must be the event with the content and/or metadata that replace the original');
    }
    Object.assign(decision, defined({ content: event.content, metadata: event.metadata }));
  }
  // The answer to an on_identity `unknown` question (a flow as the identity resolver). The engine's
  // resolver checks it (identity/resolver.ts): a malformed answer leaves it to the default resolver.
  if (msg.identityId !== undefined && msg.identityId !== null && msg.identityId !== '') decision.identityId = msg.identityId as string;
  if (msg.identity !== undefined && msg.identity !== null) decision.identity = msg.identity as HookDecision['identity'];
  return decision;
}

export = function (RED: NodeAPI): void {
  function RoomwireHookReturnNode(this: Node, raw: HookReturnNodeDef): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const def = migrated(RED, raw);
    const _ = translator(RED);
    const status = nodeStatus(node);

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
        status.now({ fill: 'yellow', shape: 'ring', text: _('roomwire-hook-return.status.late') });
        return null;
      }
      status.often(() => ({ fill: 'green', shape: 'dot', text: String(decision.action) }));
      return null;
    });
  }

  RED.nodes.registerType('roomwire-hook-return', RoomwireHookReturnNode);
};
