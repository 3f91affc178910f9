// The types a provider plugin package is written against, published as `@roomwire/node-red/provider`
// (scripts/provider-types.js): the plugin's registration and the context its `create` is given.
// Types only, besides the plugin type's name: a plugin needs nothing from Roomwire at run time.
import type { Provider, ProviderError, RoomwireError } from '@roomwire/runtime';

export const PROVIDER_PLUGIN_TYPE = 'roomwire-provider';

/** What a provider plugin's `create` is given for one channel. */
export interface ProviderPluginContext {
  channelId: string;
  channelType: string;
  /** The settings the plugin's editor form saved on the channel node (flow JSON: no secrets). */
  settings: Record<string, unknown>;
  /** The secrets the plugin's editor form saved, from the channel node's encrypted credentials. */
  secrets: Record<string, string>;
  /** The public URL of this channel's webhook: give it to the API as its callback URL. */
  webhookUrl(): string;
  /**
   * The classes Roomwire recognises: `ProviderError` from `send`, `RoomwireError` from
   * `verifyInbound` and `parseInbound`, and `NotConfigured([...missing settings])` from `create`
   * (the channel then shows "not configured" instead of failing).
   */
  errors: { ProviderError: typeof ProviderError; RoomwireError: typeof RoomwireError; NotConfigured: new (missing: string[]) => Error };
  log: { info(message: string): void; warn(message: string): void; error(message: string): void };
}

/** The runtime side of a `roomwire-provider` plugin, as registered (Node-RED adds `id` and `module`). */
export interface ProviderPlugin {
  type: typeof PROVIDER_PLUGIN_TYPE;
  /** What a channel's `provider` property names; a built-in provider's name cannot be taken. */
  name: string;
  create(context: ProviderPluginContext): Provider;
  id?: string;
  module?: string;
}
