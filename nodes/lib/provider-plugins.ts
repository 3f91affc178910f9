// Providers from npm: Node-RED plugins of type `roomwire-provider` (docs/providers.md, "Providers
// as Node-RED plugins"). A plugin package needs nothing from Roomwire at run time: what it needs
// (error classes, its settings and secrets, the channel's webhook URL) comes in the context its
// `create` is given. Plugins load before nodes at start, and a package installed later from the
// palette loads after the channels started: so plugins are looked up when a channel starts, and a
// channel whose provider is not there yet waits for `registry:plugin-added`.
import { ProviderError, RoomwireError, type Provider } from '@roomwire/runtime';
import type { NodeAPI } from 'node-red';
import { ProviderNotConfigured, type ProviderContext, type ProviderKind } from './provider-kind';
import { PROVIDER_PLUGIN_TYPE, type ProviderPlugin } from './provider-plugin-types';

interface PluginRegistry {
  getByType(type: string): unknown[];
}

function isProviderPlugin(value: unknown): value is ProviderPlugin {
  const plugin = value as Partial<ProviderPlugin> | null;
  return !!plugin && typeof plugin.name === 'string' && /^[a-z][a-z0-9_-]{0,63}$/.test(plugin.name) && typeof plugin.create === 'function';
}

/** Every well-formed provider plugin registered now. */
export function providerPlugins(RED: NodeAPI): ProviderPlugin[] {
  const registry = (RED as unknown as { plugins?: PluginRegistry }).plugins;
  return (registry?.getByType(PROVIDER_PLUGIN_TYPE) ?? []).filter(isProviderPlugin);
}

/** The channel's plugin secrets: one credential holding a JSON object of strings. */
function secretsOf(stored: string | undefined): Record<string, string> {
  if (!stored) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    throw new Error('providerSecrets is not a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('providerSecrets is not a JSON object');
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function asKind(plugin: ProviderPlugin): ProviderKind {
  return {
    name: plugin.name,
    create({ channelNode, def, channelId, channelType, webhookUrl }: ProviderContext): Provider {
      const settings = def.providerSettings;
      return plugin.create({
        channelId,
        channelType,
        settings: typeof settings === 'object' && settings !== null && !Array.isArray(settings) ? { ...(settings as Record<string, unknown>) } : {},
        secrets: secretsOf(channelNode.credentials?.providerSecrets),
        webhookUrl,
        errors: { ProviderError, RoomwireError, NotConfigured: ProviderNotConfigured },
        log: { info: (m) => channelNode.log(m), warn: (m) => channelNode.warn(m), error: (m) => channelNode.error(m) },
      });
    },
  };
}

/** The provider kind of the plugin named `name`, if one is registered now. */
export function pluginKind(RED: NodeAPI, name: string): ProviderKind | undefined {
  const plugin = providerPlugins(RED).find((candidate) => candidate.name === name);
  return plugin && asKind(plugin);
}

/** Calls `listener` whenever a plugin is registered (a package installed from the palette); returns the unsubscribe. */
export function onPluginAdded(RED: NodeAPI, listener: () => void): () => void {
  RED.events.on('registry:plugin-added', listener);
  return () => RED.events.removeListener('registry:plugin-added', listener);
}
