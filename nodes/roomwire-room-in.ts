// `roomwire-room-in`: the engine's stream into a flow. Mode `events`: room events, side effects
// and delivery changes, filtered. Mode `participant`: what the participants of a `flow` channel
// receive (the flow takes part in rooms like a person on a phone would). Channels are named by
// `roomwire-channel` config nodes; `channelIds` holds ids from flows saved before that.
import type { Engine, Notification } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { configuredChannelId } from './lib/channel-config';
import { useEngine } from './lib/engine-user';
import { translator } from './lib/i18n';
import { commaList, failureStatus, fieldError } from './lib/input';
import { migrated } from './lib/migrate';
import { nodeStatus } from './lib/node-status';
import { deliveryMsg, describeNotification } from './lib/notification-msg';

interface RoomInNodeDef extends NodeDef {
  engine: string;
  mode?: 'events' | 'participant';
  roomId?: string;
  /** A `roomwire-channel` config node: the flow channel (participant), or the filter when `onlyChannel` (events). */
  channel?: string;
  onlyChannel?: boolean;
  /** Comma-separated channel ids that no channel node carried when the flow was migrated. */
  channelIds?: string;
  eventTypes?: string;
  includeBlocked?: boolean;
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

export = function (RED: NodeAPI): void {
  const _ = translator(RED);

  function RoomwireRoomInNode(this: Node, raw: RoomInNodeDef): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const def = migrated(RED, raw);
    const engine = useEngine(RED, node, def.engine);
    let closed = false;
    const stops: (() => void)[] = [];

    const status = nodeStatus(node);
    const emit = (msg: NodeMessage) => {
      node.send(msg);
      const topic = String(msg.topic);
      status.often(() => ({ fill: 'green', shape: 'dot', text: _('roomwire-room-in.status.emitted', { topic, time: clock() }) }));
    };
    const listening = () => status.now({ fill: 'green', shape: 'ring', text: _('roomwire-room-in.status.listening') });
    /** The channel ids the node names: its channel node's, then those kept from an older flow. */
    const channelIds = () => {
      const configured = def.mode === 'participant' || def.onlyChannel ? configuredChannelId(RED, def.channel) : undefined;
      return [...(configured ? [configured] : []), ...commaList(def.channelIds)];
    };
    const failed = (error: unknown) => status.now(failureStatus(error));

    function subscribeToEvents(running: Engine): void {
      const roomId = def.roomId?.trim();
      const channels = channelIds();
      const types = new Set(commaList(def.eventTypes));
      const wanted = (notification: Notification) => {
        // A flow cannot replay what was missed; the engine's warning says it may have been.
        if (notification.kind === 'resync') return null;
        const described = describeNotification(notification);
        if (roomId && notification.roomId !== roomId) return null;
        if ((types.size > 0 || described.signal) && !types.has(described.category)) return null;
        if (channels.length > 0 && !(described.channelId && channels.includes(described.channelId))) return null;
        if (described.blocked && !def.includeBlocked) return null;
        return described.msg;
      };
      stops.push(
        running.subscribe((notification) => {
          const msg = wanted(notification);
          if (msg) emit(msg);
        }),
      );
      listening();
    }

    function listenAsParticipant(running: Engine, channelId: string): void {
      let stopListening: (() => void) | undefined;
      const listen = () => {
        stopListening?.();
        try {
          stopListening = running.listenToFlowChannel(channelId, (message) => emit(deliveryMsg(message)));
          listening();
        } catch (error) {
          stopListening = undefined;
          failed(error);
        }
      };
      listen();
      // A redeployed channel node registers a new provider: listen to that one.
      stops.push(engine().onChannelRegistered((registered) => registered === channelId && listen()));
      stops.push(() => stopListening?.());
    }

    Promise.resolve()
      .then(() => engine().ready())
      .then((running) => {
        if (closed) return;
        if (def.mode === 'participant') {
          const channelId = channelIds()[0];
          if (!channelId) throw fieldError('channel', _('roomwire-room-in.errors.channel'));
          listenAsParticipant(running, channelId);
        } else {
          subscribeToEvents(running);
        }
      })
      .catch((error: unknown) => {
        failed(error);
        node.error((error as Error).message);
      });

    node.on('close', () => {
      closed = true;
      for (const stop of stops) stop();
    });
  }

  RED.nodes.registerType('roomwire-room-in', RoomwireRoomInNode);
};
