// `roomwire-room-in`: the engine's stream into a flow. Mode `events`: room events, side effects
// and delivery changes, filtered. Mode `participant`: what the participants of a `flow` channel
// receive (the flow takes part in rooms like a person on a phone would).
import type { Engine, Notification } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { useEngine } from './lib/engine-user';
import { commaList, failureStatus } from './lib/input';
import { deliveryMsg, describeNotification } from './lib/notification-msg';

interface RoomInNodeDef extends NodeDef {
  engine: string;
  mode?: 'events' | 'participant';
  roomId?: string;
  channelIds?: string;
  eventTypes?: string;
  includeBlocked?: boolean;
  channelId?: string;
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

export = function (RED: NodeAPI): void {
  function RoomwireRoomInNode(this: Node, def: RoomInNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const engine = useEngine(RED, node, def.engine);
    let closed = false;
    const stops: (() => void)[] = [];

    const emit = (msg: NodeMessage) => {
      node.send(msg);
      node.status({ fill: 'green', shape: 'dot', text: `${String(msg.topic)} ${clock()}` });
    };
    const listening = () => node.status({ fill: 'green', shape: 'ring', text: 'listening' });
    const failed = (error: unknown) => node.status(failureStatus(error));

    function subscribeToEvents(running: Engine): void {
      const roomId = def.roomId?.trim();
      const channelIds = commaList(def.channelIds);
      const types = new Set(commaList(def.eventTypes));
      const wanted = (notification: Notification) => {
        const described = describeNotification(notification);
        if (roomId && notification.roomId !== roomId) return null;
        if (types.size > 0 && !types.has(described.category)) return null;
        if (channelIds.length > 0 && !(described.channelId && channelIds.includes(described.channelId))) return null;
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
          const channelId = def.channelId?.trim();
          if (!channelId) throw new Error('channelId: a flow channel id is required in participant mode');
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
