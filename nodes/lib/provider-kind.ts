// What a provider kind is: the shape every entry of the provider-kinds table (and every plugin
// adapted into it) has, kept apart from the table so that kinds in their own files import it
// without importing the table.
import type { Provider } from '@roomwire/runtime';
import type { Node, NodeAPI } from 'node-red';

/** What a provider kind is given when its channel node starts. */
export interface ProviderContext {
  RED: NodeAPI;
  /** The channel config node (its credentials are the channel's). */
  channelNode: Node<Record<string, string | undefined>>;
  /** The channel node's saved settings, after migrations. */
  def: Readonly<Record<string, unknown>>;
  channelId: string;
  channelType: string;
  /** The public URL of this channel's webhook (asked at send time: the local port is known late). */
  webhookUrl(): string;
}

/**
 * Thrown by `create` when the channel lacks an account or setting it needs: the channel node
 * shows "not configured" and stays unregistered instead of failing the deploy.
 */
export class ProviderNotConfigured extends Error {
  constructor(readonly missing: string[]) {
    super(`not configured: ${missing.join(', ')}`);
    this.name = 'ProviderNotConfigured';
  }
}

export interface ProviderKind {
  name: string;
  /** The channel property that holds this provider's account config node id, when it needs one. */
  configProperty?: string;
  create(context: ProviderContext): Provider;
}
