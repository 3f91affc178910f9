// `roomwire-hook`: an engine hook implemented by a flow. For a sync trigger (before_broadcast,
// before_deliver) the engine waits for the flow's decision, which a `roomwire-hook-return` node
// gives (or the timeout, with the fail mode); any other trigger is a notification the flow gets.
import { HOOK_TRIGGERS, SYNC_TRIGGERS, type HookContext, type HookDecision, type HookFilters, type HookSettings, type HookTrigger } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { configuredChannelIds } from './lib/channel-config';
import { useEngine } from './lib/engine-user';
import { commaList, plain } from './lib/input';
import { failRequestsOf, openRequest, pendingCount } from './lib/hook-requests';
import { translator, type Translate } from './lib/i18n';
import { migrated } from './lib/migrate';
import { nodeStatus } from './lib/node-status';

interface HookNodeDef extends NodeDef {
  engine: string;
  trigger?: string;
  priority?: string | number;
  roomId?: string;
  channelTypes?: string;
  /** `roomwire-channel` config nodes the hook is limited to. */
  channels?: string[];
  /** Channel ids typed before channels were config nodes, when no channel node carries them. */
  channelIds?: string;
  directions?: string;
  eventTypes?: string;
  timeoutMs?: string | number;
  failMode?: string;
  /** on_identity only: answer `unknown` (who is this new address?) through a hook return. */
  resolve?: boolean;
}

const MAX_TIMEOUT_MS = 120_000;

/** The hook's settings from the node's, or an error naming the setting that is wrong. */
function settingsOf(RED: NodeAPI, _: Translate, def: HookNodeDef, fallbackName: string): HookSettings {
  const invalid = (field: string, vars?: Record<string, string | number>) => new Error(`${field}: ${_(`roomwire-hook.errors.${field}`, vars)}`);
  const trigger = (def.trigger || 'before_broadcast') as HookTrigger;
  if (!HOOK_TRIGGERS.includes(trigger)) throw invalid('trigger', { trigger: JSON.stringify(def.trigger) });
  const priority = Number(def.priority ?? 100);
  if (!Number.isInteger(priority)) throw invalid('priority');
  const timeoutMs = Number(def.timeoutMs ?? 5000);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) throw invalid('timeoutMs', { max: MAX_TIMEOUT_MS });
  const failMode = def.failMode || 'open';
  if (failMode !== 'open' && failMode !== 'closed') throw invalid('failMode');
  const directions = commaList(def.directions);
  if (directions.some((d) => d !== 'inbound' && d !== 'outbound')) throw invalid('directions');
  const filters: HookFilters = {
    channelTypes: commaList(def.channelTypes),
    channelIds: [...configuredChannelIds(RED, def.channels, 'channels'), ...commaList(def.channelIds)],
    directions: directions as HookFilters['directions'],
    eventTypes: commaList(def.eventTypes),
  };
  return { name: def.name?.trim() || fallbackName, trigger, priority, roomId: def.roomId?.trim() || null, filters, timeoutMs, failMode };
}

function hookMsg(context: HookContext, hook: { id?: string; name: string }): NodeMessage {
  const event = context.event;
  return {
    topic: context.trigger,
    payload: plain(event ?? context.detail ?? null),
    room: plain(context.room),
    sourceBinding: plain(context.sourceBinding ?? null),
    // before_deliver / after_deliver: the participant being delivered to.
    targetBinding: plain(context.targetBinding ?? null),
    writeGate: context.writeGate ?? null,
    detail: plain(context.detail ?? null),
    hook: { ...hook, trigger: context.trigger },
    // null for identity-level triggers (on_identity): they concern a person, not one room.
    roomId: context.room?.id,
    eventId: event?.id,
    bindingId: context.sourceBinding?.id,
    correlationId: event?.correlationId,
  };
}

export = function (RED: NodeAPI): void {
  function RoomwireHookNode(this: Node, raw: HookNodeDef): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const def = migrated(RED, raw);
    const _ = translator(RED);
    let closed = false;
    let removeHook: (() => void) | undefined;

    let settings: HookSettings;
    try {
      settings = settingsOf(RED, _, def, node.id);
    } catch (error) {
      node.error((error as Error).message);
      nodeStatus(node).now({ fill: 'red', shape: 'ring', text: _('roomwire-hook.status.invalid') });
      return;
    }
    // Only a hook that will register follows the engine's state: the engine opening must not turn
    // "invalid settings" into "ready".
    const engine = useEngine(RED, node, def.engine);
    const status = nodeStatus(node);
    const showPending = () =>
      status.often(() => {
        const pending = pendingCount(node.id);
        return { fill: pending > 0 ? 'blue' : 'green', shape: pending > 0 ? 'dot' : 'ring', text: _('roomwire-hook.status.pending', { count: pending }) };
      });
    // A resolving on_identity hook is the pluggable identity resolver: the engine waits for its
    // answer to `unknown` (within the timeout; then the default resolver decides).
    const resolves = def.resolve === true && settings.trigger === 'on_identity';
    const decides = (context: HookContext) => SYNC_TRIGGERS.has(context.trigger) || (resolves && context.detail?.change === 'unknown');
    const handler = (context: HookContext): Promise<HookDecision> | void => {
      if (!decides(context)) {
        node.send(hookMsg(context, { name: settings.name }));
        return;
      }
      const request = openRequest(node.id, settings.timeoutMs, showPending);
      node.send(hookMsg(context, { id: request.id, name: settings.name }));
      return request.decision;
    };

    Promise.resolve()
      .then(() => engine().ready())
      .then((running) => {
        if (closed) return;
        removeHook = running.registerHook(settings, handler);
        if (SYNC_TRIGGERS.has(settings.trigger) || resolves) showPending();
        else status.now({ fill: 'green', shape: 'ring', text: settings.trigger });
      })
      .catch((error: unknown) => node.error(_('roomwire-hook.errors.register', { message: (error as Error).message })));

    node.on('close', () => {
      closed = true;
      removeHook?.();
      failRequestsOf(node.id, new Error(_('roomwire-hook.errors.stopped')));
    });
  }

  RED.nodes.registerType('roomwire-hook', RoomwireHookNode);
};
