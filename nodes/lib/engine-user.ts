// How a node reaches the engine of the `roomwire-engine` config node it names: a flow node
// registers as a user (so its status shows the engine's state) and deregisters when it closes.
import { RoomwireError } from '@roomwire/runtime';
import type { Node, NodeAPI } from 'node-red';
import { foreignKey, translator } from './i18n';
import type { EngineAddress } from './public-url';
import type { SharedEngine } from './shared-engine';

/** The runtime side of a `roomwire-engine` config node, as other nodes see it. */
export interface EngineConfigNode extends Node {
  shared: SharedEngine;
  /** Its public URL and path prefix: what channels tell providers to call. */
  address: EngineAddress;
}

/** A node's engine, or a rejection that says none is configured (then the node shows it too). */
export type EngineRef = () => SharedEngine;

export function useEngine(RED: NodeAPI, node: Node, engineId: string | undefined, options = { showState: true }): EngineRef {
  const config = engineId ? (RED.nodes.getNode(engineId) as EngineConfigNode | null) : null;
  const shared = config?.shared;
  if (!shared) {
    node.status({ fill: 'red', shape: 'ring', text: translator(RED)(foreignKey('roomwire-engine', 'roomwire-engine.status.no-engine')) });
    return () => {
      throw new RoomwireError('invalid_input', 'no roomwire-engine config node is selected, or it is disabled', 'engine');
    };
  }
  if (options.showState) {
    shared.addUser(node);
    node.on('close', () => shared.removeUser(node));
  }
  return () => shared;
}
