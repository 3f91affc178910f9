// `roomwire-send`: writes msg.payload into a room as a participant (its permissions apply) or as
// the system, through the `sendEvent` operation: hooks, mute, visibility and delivery included.
import type { RoomEvent } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { resolveBindingId } from './lib/binding-ref';
import { contentOf } from './lib/content-input';
import { useEngine } from './lib/engine-user';
import { defined, fieldError, handleInput, msgString, plain, settingOrMsg } from './lib/input';

interface SendNodeDef extends NodeDef {
  engine: string;
  roomId?: string;
  bindingId?: string;
  eventType?: string;
}

interface SendResult {
  event: RoomEvent;
  duplicate: boolean;
}

function statusOf(event: RoomEvent, duplicate: boolean) {
  if (duplicate) return { fill: 'grey', shape: 'ring', text: `duplicate of #${event.index}` } as const;
  if (event.status === 'blocked') return { fill: 'yellow', shape: 'ring', text: `#${event.index} blocked: ${event.blockedBy}${event.blockReason ? ` (${event.blockReason})` : ''}` } as const;
  return { fill: 'green', shape: 'dot', text: `sent #${event.index}` } as const;
}

export = function (RED: NodeAPI): void {
  function RoomwireSendNode(this: Node, def: SendNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const engine = useEngine(RED, node, def.engine);

    handleInput(node, async (msg: NodeMessageInFlow) => {
      const roomId = settingOrMsg(def.roomId, msg, 'roomId');
      if (!roomId) throw fieldError('roomId', 'is required: set it on the node or as msg.roomId');
      const bindingId = await resolveBindingId(engine(), {
        bindingId: settingOrMsg(def.bindingId, msg, 'bindingId'),
        roomId,
        channelId: msgString(msg, 'channelId'),
        address: msgString(msg, 'address'),
      });
      const { event, duplicate } = await engine().call<SendResult>(
        'sendEvent',
        defined({
          roomId,
          bindingId,
          type: settingOrMsg(def.eventType, msg, 'eventType'),
          content: contentOf(msg.payload),
          correlationId: msg.correlationId,
          idempotencyKey: msg.idempotencyKey,
          metadata: msg.metadata,
        }),
      );
      node.status(statusOf(event, duplicate));
      return { ...msg, payload: plain(event), duplicate, roomId, bindingId, eventId: event.id, index: event.index };
    });
  }

  RED.nodes.registerType('roomwire-send', RoomwireSendNode);
};
