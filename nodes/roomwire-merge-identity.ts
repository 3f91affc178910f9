// `roomwire-merge-identity`: merges two identities (the same person known by two addresses) through
// the `mergeIdentities` operation and outputs the surviving identity. Each side is named by msg: an
// identity id, or an address (`{channelType, address}`, any spelling), or an external id.
import type { Identity, IdentityRef, MergeResult } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { useEngine } from './lib/engine-user';
import { fieldError, handleInput, msgString, plain } from './lib/input';
import { translator } from './lib/i18n';
import { migrated } from './lib/migrate';

interface MergeIdentityNodeDef extends NodeDef {
  engine: string;
}

const FORMS = 'an identity id, {"channelType": "sms", "address": "+15551234567"} or {"externalId": "crm-42"}';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One side of the merge: msg.<side>, else msg.<side>Id, else msg.payload.<side>. The engine validates its form. */
function sideOf(msg: NodeMessageInFlow, side: 'source' | 'destination'): IdentityRef {
  const direct = msg[side];
  if (typeof direct === 'string' && direct !== '') return direct;
  if (isObject(direct)) return direct as IdentityRef;
  if (direct !== undefined && direct !== null && direct !== '') throw fieldError(`msg.${side}`, `must be ${FORMS}`);
  const id = msgString(msg, `${side}Id`);
  if (id) return id;
  const fromPayload = isObject(msg.payload) ? msg.payload[side] : undefined;
  if ((typeof fromPayload === 'string' && fromPayload !== '') || isObject(fromPayload)) return fromPayload as IdentityRef;
  throw fieldError(`msg.${side}`, `is required: ${FORMS} (or msg.${side}Id)`);
}

function label(identity: Identity): string {
  return identity.displayName || identity.id;
}

export = function (RED: NodeAPI): void {
  function RoomwireMergeIdentityNode(this: Node, raw: MergeIdentityNodeDef): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const def = migrated(RED, raw);
    const _ = translator(RED);
    const engine = useEngine(RED, node, def.engine);

    handleInput(node, async (msg) => {
      const source = sideOf(msg, 'source');
      const destination = sideOf(msg, 'destination');
      const result = await engine().call<MergeResult>('mergeIdentities', { source, destination });
      node.status(
        result.merged
          ? { fill: 'green', shape: 'dot', text: _('roomwire-merge-identity.status.merged', { identity: label(result.identity) }) }
          : { fill: 'grey', shape: 'ring', text: _('roomwire-merge-identity.status.already', { identity: label(result.identity) }) },
      );
      const { identity, ...merge } = result;
      return { ...msg, payload: plain(identity), identityId: identity.id, merged: result.merged, merge: plain(merge) };
    });
  }

  RED.nodes.registerType('roomwire-merge-identity', RoomwireMergeIdentityNode);
};
