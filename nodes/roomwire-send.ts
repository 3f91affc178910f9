// `roomwire-send`: writes msg.payload into a room through the `sendEvent` operation (hooks, mute,
// visibility and delivery included), as one of:
//   participant  a channel node and an address (the node's, else msg.address): its permissions apply
//   system       nobody's message
//   msg          whoever msg names: msg.bindingId, or msg.address (+ msg.channelId); nobody: the system
import type { RoomEvent } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { participantBindingId, resolveBindingId } from './lib/binding-ref';
import { contentOf } from './lib/content-input';
import { useEngine, type EngineRef } from './lib/engine-user';
import { translator, type Translate } from './lib/i18n';
import { defined, fieldError, handleInput, msgString, plain, settingOrMsg } from './lib/input';
import { migrated } from './lib/migrate';
import { nodeStatus } from './lib/node-status';

interface SendNodeDef extends NodeDef {
  engine: string;
  roomId?: string;
  speaker?: 'participant' | 'system' | 'msg';
  /** A `roomwire-channel` config node (speaker `participant`). */
  channel?: string;
  address?: string;
  /** Speaker `msg`: a binding id that wins over msg.bindingId. */
  bindingId?: string;
  eventType?: string;
}

interface SendResult {
  event: RoomEvent;
  duplicate: boolean;
}

function statusOf(_: Translate, event: RoomEvent, duplicate: boolean) {
  if (duplicate) return { fill: 'grey', shape: 'ring', text: _('roomwire-send.status.duplicate', { index: event.index }) } as const;
  if (event.status === 'blocked') return { fill: 'yellow', shape: 'ring', text: _('roomwire-send.status.blocked', { index: event.index, by: event.blockReason ? `${event.blockedBy} (${event.blockReason})` : String(event.blockedBy) }) } as const;
  return { fill: 'green', shape: 'dot', text: _('roomwire-send.status.sent', { index: event.index }) } as const;
}

export = function (RED: NodeAPI): void {
  const _ = translator(RED);

  /** The binding that writes, or undefined for the system. */
  async function writer(def: SendNodeDef, engine: EngineRef, roomId: string, msg: NodeMessageInFlow): Promise<string | undefined> {
    switch (def.speaker) {
      case 'system':
        return undefined;
      case 'participant':
        return participantBindingId(RED, engine(), roomId, def, msg);
      default:
        return resolveBindingId(engine(), {
          bindingId: settingOrMsg(def.bindingId, msg, 'bindingId'),
          roomId,
          channelId: msgString(msg, 'channelId'),
          address: msgString(msg, 'address'),
        });
    }
  }

  function RoomwireSendNode(this: Node, raw: SendNodeDef): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const def = migrated(RED, raw);
    const status = nodeStatus(node);
    const engine = useEngine(RED, node, def.engine);

    handleInput(node, async (msg: NodeMessageInFlow) => {
      const roomId = settingOrMsg(def.roomId, msg, 'roomId');
      if (!roomId) throw fieldError('roomId', _('roomwire-send.errors.room'));
      const bindingId = await writer(def, engine, roomId, msg);
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
      status.often(() => statusOf(_, event, duplicate));
      return { ...msg, payload: plain(event), duplicate, roomId, bindingId, eventId: event.id, index: event.index };
    });
  }

  RED.nodes.registerType('roomwire-send', RoomwireSendNode);
};
