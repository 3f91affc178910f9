// How a flow node names a channel through a `roomwire-channel` config node: the config node
// publishes the channel id it registered (its own node id when none is set), which is what
// bindings and operations use.
import type { Node, NodeAPI } from 'node-red';
import { fieldError } from './input';

/** The runtime side of a `roomwire-channel` config node, as other nodes see it. */
export interface ChannelConfigNode extends Node {
  channelId: string;
}

/** The channel id of the config node `configId`; undefined when no config node is selected. */
export function configuredChannelId(RED: NodeAPI, configId: string | undefined): string | undefined {
  if (!configId) return undefined;
  const config = RED.nodes.getNode(configId) as ChannelConfigNode | null;
  if (!config) throw fieldError('channel', 'the selected roomwire-channel config node is not deployed, or it is disabled');
  return config.channelId;
}

/** The channel ids of a list of `roomwire-channel` config nodes, in order; `field` names the list in errors. */
export function configuredChannelIds(RED: NodeAPI, configIds: unknown, field: string): string[] {
  if (configIds === undefined || configIds === null || configIds === '') return [];
  // The editor's undo of a channel deletion can put back a one-entry list as the id alone.
  const list = typeof configIds === 'string' ? [configIds] : configIds;
  if (!Array.isArray(list)) throw fieldError(field, 'must be a list of channel nodes');
  return list.map((configId, i) => {
    const config = typeof configId === 'string' && configId ? (RED.nodes.getNode(configId) as ChannelConfigNode | null) : null;
    if (!config) throw fieldError(`${field}[${i}]`, 'the selected roomwire-channel config node is not deployed, or it is disabled');
    return config.channelId;
  });
}
