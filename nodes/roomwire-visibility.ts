// `roomwire-visibility`: sets who sees a participant's events (visibility) and what it may do
// (access) through the `updateBinding` operation. Visibility is stamped on events when they are
// written, so a change never rewrites who could see the past.
import type { Access, Binding, Visibility } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { chosenBindingId, type ParticipantChoice } from './lib/binding-ref';
import { useEngine } from './lib/engine-user';
import { defined, fieldError, handleInput, plain } from './lib/input';
import { translator } from './lib/i18n';
import { migrated } from './lib/migrate';

interface VisibilityNodeDef extends NodeDef, ParticipantChoice {
  engine: string;
  visibility?: 'unchanged' | 'all' | 'internal' | 'none' | 'list';
  visibilityList?: string;
  access?: 'unchanged' | Access;
}

/** msg.visibility wins over the node's setting; the engine validates the value. */
function visibilityOf(def: VisibilityNodeDef, msg: NodeMessageInFlow): Visibility | undefined {
  if (msg.visibility !== undefined && msg.visibility !== null) return msg.visibility as Visibility;
  switch (def.visibility ?? 'unchanged') {
    case 'unchanged':
      return undefined;
    case 'list':
      return (def.visibilityList ?? '')
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean);
    default:
      return def.visibility as Visibility;
  }
}

function accessOf(def: VisibilityNodeDef, msg: NodeMessageInFlow): Access | undefined {
  if (msg.access !== undefined && msg.access !== null) return msg.access as Access;
  return def.access && def.access !== 'unchanged' ? def.access : undefined;
}

export = function (RED: NodeAPI): void {
  function RoomwireVisibilityNode(this: Node, raw: VisibilityNodeDef): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const def = migrated(RED, raw);
    const _ = translator(RED);
    const engine = useEngine(RED, node, def.engine);

    handleInput(node, async (msg) => {
      const bindingId = await chosenBindingId(RED, engine(), def, msg);
      const changes = defined({ visibility: visibilityOf(def, msg), access: accessOf(def, msg) });
      if (Object.keys(changes).length === 0) throw fieldError('visibility', 'nothing to change: set visibility or access on the node, or msg.visibility / msg.access');
      const binding = await engine().call<Binding>('updateBinding', { bindingId, ...changes });
      const visibility = Array.isArray(binding.visibility) ? binding.visibility.join(',') : binding.visibility;
      node.status({ fill: 'green', shape: 'dot', text: _('roomwire-visibility.status.set', { address: binding.address, visibility, access: binding.access }) });
      return { ...msg, payload: plain(binding), bindingId, roomId: binding.roomId };
    });
  }

  RED.nodes.registerType('roomwire-visibility', RoomwireVisibilityNode);
};
