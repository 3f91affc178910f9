// The providers a `roomwire-channel` node can pick, by name. Each kind says how to build its
// Provider from the channel node's settings; a kind that needs an account (Twilio, Sinch, SMTP)
// names the channel property holding its config node. New built-in providers add one entry here;
// providers from npm arrive as `roomwire-provider` plugins.
import { FlowProvider, createWebhookProvider } from '@roomwire/runtime';
import { localHttpNodeUrl } from './local-url';
import type { ProviderKind } from './provider-kind';
import { twilio } from './providers/twilio';
import { sinch } from './providers/sinch';
import { email } from './providers/email';
import { webchat } from './providers/webchat';

export type { ProviderContext, ProviderKind } from './provider-kind';

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

const kinds = new Map<string, ProviderKind>([webhook, flow, webchat, twilio, sinch, email].map((kind) => [kind.name, kind]));

export function providerKind(name: string): ProviderKind | undefined {
  return kinds.get(name);
}

export function providerKindNames(): string[] {
  return [...kinds.keys()];
}
