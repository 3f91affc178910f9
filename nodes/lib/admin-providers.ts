// The providers the channel node's editor offers: the built-in kinds and every `roomwire-provider`
// plugin registered now (asked per request, so a package installed from the palette shows up
// without a restart), with what the editor needs to show a channel's webhook URLs. Guarded like
// the vocabulary endpoint: `roomwire.read`.
import type { NodeAPI } from 'node-red';
import { READ_PERMISSION } from './admin-vocabulary';
import { providerKind, providerKindNames } from './provider-kinds';
import { providerPlugins } from './provider-plugins';

export const PROVIDERS_PATH = '/roomwire/providers';

export interface ProviderEntry {
  name: string;
  /** The channel property naming the provider's account config node (`twilio`). */
  configProperty?: string;
  /** Plugins only: the plugin id and the npm package that registered it. */
  plugin?: string;
  module?: string;
}

export function providerEntries(RED: NodeAPI): ProviderEntry[] {
  const builtIn = providerKindNames().map((name) => {
    const configProperty = providerKind(name)?.configProperty;
    return { name, ...(configProperty ? { configProperty } : {}) };
  });
  const plugins = providerPlugins(RED)
    .filter((plugin) => !providerKind(plugin.name))
    .map((plugin) => ({ name: plugin.name, plugin: plugin.id, module: plugin.module }));
  return [...builtIn, ...plugins];
}

export function serveProviders(RED: NodeAPI): void {
  RED.httpAdmin.get(PROVIDERS_PATH, RED.auth.needsPermission(READ_PERMISSION), (_req, res) => {
    res.json({
      providers: providerEntries(RED),
      // For the editor's webhook URLs when an engine node leaves its public URL empty.
      publicUrl: process.env.ROOMWIRE_PUBLIC_URL?.trim().replace(/\/+$/, '') ?? '',
      httpNodeRoot: String(RED.settings.httpNodeRoot ?? '/'),
    });
  });
}
