// `roomwire-mute`: mutes or unmutes a participant through the `updateBinding` operation. A muted
// binding still reads; its writes are stored blocked (`muted`) while their side effects still flow.
import type { Binding } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { chosenBindingId, type ParticipantChoice } from './lib/binding-ref';
import { useEngine, type EngineRef } from './lib/engine-user';
import { fieldError, handleInput, plain } from './lib/input';
import { translator } from './lib/i18n';
import { migrated } from './lib/migrate';

interface MuteNodeDef extends NodeDef, ParticipantChoice {
  engine: string;
  action?: 'mute' | 'unmute' | 'toggle' | 'payload';
}

async function wantMuted(action: MuteNodeDef['action'], msg: NodeMessageInFlow, engine: EngineRef, bindingId: string): Promise<boolean> {
  switch (action ?? 'mute') {
    case 'mute':
      return true;
    case 'unmute':
      return false;
    case 'toggle':
      return !(await engine().call<Binding>('getBinding', { bindingId })).muted;
    case 'payload':
      if (typeof msg.payload !== 'boolean') throw fieldError('payload', 'must be true (mute) or false (unmute)');
      return msg.payload;
    default:
      throw fieldError('action', 'must be mute, unmute, toggle or payload');
  }
}

export = function (RED: NodeAPI): void {
  function RoomwireMuteNode(this: Node, raw: MuteNodeDef): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const def = migrated(RED, raw);
    const _ = translator(RED);
    const engine = useEngine(RED, node, def.engine);

    handleInput(node, async (msg) => {
      const bindingId = await chosenBindingId(RED, engine(), def, msg);
      const muted = await wantMuted(def.action, msg, engine, bindingId);
      const binding = await engine().call<Binding>('updateBinding', { bindingId, muted });
      node.status({ fill: muted ? 'yellow' : 'green', shape: 'dot', text: _(muted ? 'roomwire-mute.status.muted' : 'roomwire-mute.status.unmuted', { address: binding.address }) });
      return { ...msg, payload: plain(binding), bindingId, roomId: binding.roomId };
    });
  }

  RED.nodes.registerType('roomwire-mute', RoomwireMuteNode);
};
