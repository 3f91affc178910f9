// `roomwire-room`: room operations from a flow — create (with the participants listed on the node
// and those of msg.payload), attach and detach participants, read a room, and move it through its
// states (pause, resume, close, archive).
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { resolveBindingId } from './lib/binding-ref';
import { useEngine, type EngineRef } from './lib/engine-user';
import { translator } from './lib/i18n';
import { fieldError, handleInput, msgString, plain, settingOrMsg } from './lib/input';
import { migrated } from './lib/migrate';
import { nodeStatus } from './lib/node-status';
import { participantSpecs, type ParticipantSetting } from './lib/participants';

type RoomOperation = 'create' | 'attach' | 'detach' | 'get' | 'pause' | 'resume' | 'close' | 'archive';

interface RoomNodeDef extends NodeDef {
  engine: string;
  operation?: RoomOperation;
  roomId?: string;
  participants?: ParticipantSetting[];
}

const STATE_OPERATIONS: Partial<Record<RoomOperation, string>> = {
  get: 'getRoom',
  pause: 'pauseRoom',
  resume: 'resumeRoom',
  close: 'closeRoom',
  archive: 'archiveRoom',
};

function objectPayload(msg: NodeMessageInFlow, example: string): Record<string, unknown> {
  const payload = msg.payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw fieldError('payload', `must be an object, e.g. ${example}`);
  return payload as Record<string, unknown>;
}

function requireRoomId(roomId: string | undefined): string {
  if (!roomId) throw fieldError('roomId', 'is required: set it on the node or as msg.roomId');
  return roomId;
}

/** Runs the node's operation; returns the result and the room it concerns. */
async function run(
  operation: RoomOperation,
  def: RoomNodeDef,
  participants: () => Record<string, unknown>[],
  msg: NodeMessageInFlow,
  engine: EngineRef,
): Promise<{ result: unknown; roomId: string }> {
  const roomId = settingOrMsg(def.roomId, msg, 'roomId');
  switch (operation) {
    case 'create': {
      // A bare trigger (an inject's timestamp) creates the room as configured.
      const input: Record<string, unknown> = typeof msg.payload === 'object' && msg.payload !== null && !Array.isArray(msg.payload) ? { ...msg.payload } : {};
      const id = def.roomId?.trim() || (input as { id?: string }).id || msgString(msg, 'roomId');
      const listed = participants();
      if (listed.length > 0) input.bindings = [...listed, ...(Array.isArray(input.bindings) ? input.bindings : [])];
      const result = await engine().call<{ room: { id: string } }>('createRoom', id ? { ...input, id } : input);
      return { result, roomId: result.room.id };
    }
    case 'attach': {
      const listed = participants();
      if (listed.length > 0) {
        const room = requireRoomId(roomId);
        const result = [];
        for (const spec of listed) result.push(await engine().call('attachBinding', { ...spec, roomId: room }));
        return { result, roomId: room };
      }
      const input = objectPayload(msg, '{"channelId": "sms", "address": "+15551234567"}');
      return { result: await engine().call('attachBinding', { ...input, roomId: requireRoomId(roomId) }), roomId: roomId! };
    }
    case 'detach': {
      const payload = typeof msg.payload === 'object' && msg.payload !== null ? (msg.payload as Record<string, unknown>) : {};
      const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
      const bindingId = await resolveBindingId(engine(), {
        bindingId: msgString(msg, 'bindingId') ?? text(payload.bindingId),
        roomId,
        channelId: msgString(msg, 'channelId') ?? text(payload.channelId),
        address: msgString(msg, 'address') ?? text(payload.address),
      });
      if (!bindingId) throw fieldError('bindingId', 'is required: msg.bindingId, or the participant as msg.roomId and msg.address');
      const binding = await engine().call<{ roomId: string }>('detachBinding', { bindingId });
      return { result: binding, roomId: binding.roomId };
    }
    default: {
      const name = STATE_OPERATIONS[operation];
      if (!name) throw fieldError('operation', 'must be create, attach, detach, get, pause, resume, close or archive');
      const id = requireRoomId(roomId);
      return { result: await engine().call(name, { roomId: id }), roomId: id };
    }
  }
}

export = function (RED: NodeAPI): void {
  const _ = translator(RED);

  function RoomwireRoomNode(this: Node, raw: RoomNodeDef): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const def = migrated(RED, raw);
    const status = nodeStatus(node);
    const engine = useEngine(RED, node, def.engine);
    const operation = def.operation ?? 'get';
    // Read per message: a channel node deployed later is found then.
    const participants = () => participantSpecs(RED, def.participants);

    handleInput(node, async (msg) => {
      const { result, roomId } = await run(operation, def, participants, msg, engine);
      status.often(() => ({ fill: 'green', shape: 'dot', text: _('roomwire-room.status.done', { operation: _(`roomwire-room.operation.${operation}`), room: roomId }) }));
      return { ...msg, payload: plain(result), roomId };
    });
  }

  RED.nodes.registerType('roomwire-room', RoomwireRoomNode);
};
