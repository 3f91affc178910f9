// The providers a `roomwire-channel` node can pick, by name. Each kind says how to build its
// Provider from the channel node's settings; a kind that needs an account (Twilio, Sinch, SMTP)
// names the channel property holding its config node. New built-in providers add one entry here;
// providers from npm arrive as `roomwire-provider` plugins.
import { FlowProvider, createWebhookProvider, type Provider } from '@roomwire/runtime';
import type { Node, NodeAPI } from 'node-red';
import { localHttpNodeUrl } from './local-url';
import { webchat } from './providers/webchat';

/** What a provider kind is given when its channel node starts. */
export interface ProviderContext {
  RED: NodeAPI;
  /** The channel config node (its credentials are the channel's). */
  channelNode: Node<Record<string, string | undefined>>;
  /** The channel node's saved settings, after migrations. */
  def: Readonly<Record<string, unknown>>;
  channelId: string;
  channelType: string;
}

export interface ProviderKind {
  name: string;
  /** The channel property that holds this provider's account config node id, when it needs one. */
  configProperty?: string;
  create(context: ProviderContext): Provider;
}

const webhook: ProviderKind = {
  name: 'webhook',
  create({ RED, channelNode, def }) {
    const outboundUrl = typeof def.outboundUrl === 'string' ? def.outboundUrl.trim() : '';
    return createWebhookProvider({
      secret: channelNode.credentials?.secret || undefined,
      // Read on every send: a path resolves against this Node-RED, whose port is known only once it listens.
      get outboundUrl() {
        if (!outboundUrl) return undefined;
        return outboundUrl.startsWith('/') ? localHttpNodeUrl(RED, outboundUrl) : outboundUrl;
      },
    });
  },
};

const flow: ProviderKind = { name: 'flow', create: () => new FlowProvider() };

const kinds = new Map<string, ProviderKind>([webhook, flow, webchat].map((kind) => [kind.name, kind]));

export function providerKind(name: string): ProviderKind | undefined {
  return kinds.get(name);
}

export function providerKindNames(): string[] {
  return [...kinds.keys()];
}
