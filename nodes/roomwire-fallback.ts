// `roomwire-fallback`: sets or clears a participant's fallback policy (DESIGN.md section 8) through
// the `setFallback` operation, and emits every fallback step the engine takes on a second output.
// The engine decides when to fall back; this node only configures it and reports what happened.
import type { Binding, FallbackPolicy, FallbackTrigger, Notification } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { chosenBindingId, type ParticipantChoice } from './lib/binding-ref';
import { configuredChannelIds } from './lib/channel-config';
import { useEngine } from './lib/engine-user';
import { commaList, failureStatus, fieldError, handleInput, plain } from './lib/input';
import { describeNotification } from './lib/notification-msg';
import { translator, type Translate } from './lib/i18n';
import { migrated } from './lib/migrate';

interface FallbackNodeDef extends NodeDef, ParticipantChoice {
  engine: string;
  action?: 'set' | 'clear';
  /** `roomwire-channel` config nodes, tried in order. */
  channels?: string[];
  /** Channel ids typed before channels were config nodes, kept when not all named one; tried after `channels`. */
  channelIds?: string;
  /** ISO 8601 duration to wait for `delivered` before `no_receipt` applies. */
  after?: string;
  onFailed?: boolean;
  onUndelivered?: boolean;
  onNoReceipt?: boolean;
  onOutsideWindow?: boolean;
  /** Only report fallback steps of this room on the second output. */
  roomId?: string;
}

/** The policy the node is configured with; the engine validates it (and names the field). */
function configuredPolicy(RED: NodeAPI, def: FallbackNodeDef): FallbackPolicy {
  const on: FallbackTrigger[] = [];
  if (def.onFailed) on.push('failed');
  if (def.onUndelivered) on.push('undelivered');
  if (def.onNoReceipt) on.push('no_receipt');
  if (def.onOutsideWindow) on.push('outside_window');
  const after = def.after?.trim();
  const channels = [...configuredChannelIds(RED, def.channels, 'channels'), ...commaList(def.channelIds)];
  return { channels, on, ...(after ? { after } : {}) };
}

/** null clears; `msg.fallback` (an object, or null) overrides the node's settings. */
function wantedPolicy(RED: NodeAPI, def: FallbackNodeDef, msg: NodeMessageInFlow): FallbackPolicy | null {
  if (def.action === 'clear' || msg.payload === null) return null;
  if ('fallback' in msg && msg.fallback !== undefined) {
    const given = msg.fallback;
    if (given === null) return null;
    if (typeof given !== 'object' || Array.isArray(given)) {
      throw fieldError('msg.fallback', 'must be an object {channels, after, on} or null to clear');
    }
    return given as FallbackPolicy;
  }
  return configuredPolicy(RED, def);
}

function stepText(_: Translate, notification: Extract<Notification, { kind: 'fallback' }>): string {
  const vars = { step: notification.step, reason: notification.reason };
  return notification.to ? _('roomwire-fallback.status.step', { ...vars, channel: notification.to.channelId }) : _('roomwire-fallback.status.lastStep', vars);
}

export = function (RED: NodeAPI): void {
  function RoomwireFallbackNode(this: Node, raw: FallbackNodeDef): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const def = migrated(RED, raw);
    const _ = translator(RED);
    const engine = useEngine(RED, node, def.engine);
    const roomFilter = def.roomId?.trim();
    let closed = false;
    let unsubscribe: (() => void) | undefined;

    handleInput(node, async (msg) => {
      const bindingId = await chosenBindingId(RED, engine(), def, msg);
      const fallback = wantedPolicy(RED, def, msg);
      const binding = await engine().call<Binding>('setFallback', { bindingId, fallback });
      node.status(
        fallback
          ? { fill: 'green', shape: 'dot', text: _('roomwire-fallback.status.set', { address: binding.address, channels: fallback.channels.join(', ') }) }
          : { fill: 'grey', shape: 'dot', text: _('roomwire-fallback.status.cleared', { address: binding.address }) },
      );
      return { ...msg, payload: plain(binding), bindingId, roomId: binding.roomId };
    });

    // Second output: each fallback step as the engine takes it.
    Promise.resolve()
      .then(() => engine().ready())
      .then((running) => {
        if (closed) return;
        unsubscribe = running.subscribe((notification) => {
          if (notification.kind !== 'fallback' || (roomFilter && notification.roomId !== roomFilter)) return;
          const { msg } = describeNotification(notification);
          const step: NodeMessage = { ...msg, payload: { roomId: notification.roomId, ...(msg.payload as object) } };
          node.send([null, step]);
          node.status({ fill: notification.to ? 'yellow' : 'red', shape: 'dot', text: stepText(_, notification) });
        });
      })
      .catch((error: unknown) => {
        node.status(failureStatus(error));
        node.error((error as Error).message);
      });

    node.on('close', () => {
      closed = true;
      unsubscribe?.();
    });
  }

  RED.nodes.registerType('roomwire-fallback', RoomwireFallbackNode);
};
