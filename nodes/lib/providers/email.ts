// The `email` provider kind: a channel that names a `roomwire-email` account sends through its
// SMTP server and takes inbound mail on its webhook. Without a usable account (none picked, no
// SMTP host or sender) the channel still registers, so a flow imported before the account is set
// up deploys: every send fails with `not_configured` and every inbound request is refused.
import { ProviderError, RoomwireError, createEmailProvider, type EmailProviderOptions, type Provider } from '@roomwire/runtime';
import type { Node } from 'node-red';
import { foreignKey, translator } from '../i18n';
import type { ProviderContext, ProviderKind } from '../provider-kinds';

export interface EmailCredentials {
  user?: string;
  password?: string;
  inboundSecret?: string;
}

/** The runtime side of a `roomwire-email` config node (nodes/roomwire-email.ts). */
export interface EmailConfigNode extends Node<EmailCredentials> {
  /** The provider options of this account; a missing setting is left out (the provider names it). */
  emailOptions(): EmailProviderOptions;
}

function notConfigured(reason: string): Provider {
  return {
    name: 'email',
    send: async () => {
      throw new ProviderError('not_configured', reason, true);
    },
    verifyInbound: () => {
      throw new RoomwireError('forbidden', reason);
    },
    parseInbound: () => [],
  };
}

export const email: ProviderKind = {
  name: 'email',
  configProperty: 'email',
  create({ RED, channelNode, def, channelId }: ProviderContext): Provider {
    const _ = translator(RED);
    const configId = typeof def.email === 'string' ? def.email : '';
    const account = configId ? (RED.nodes.getNode(configId) as EmailConfigNode | null) : null;
    let reason: string;
    if (!account) {
      reason = _(foreignKey('roomwire-email', 'roomwire-email.errors.no-account'), { id: channelId });
    } else {
      try {
        return createEmailProvider(account.emailOptions());
      } catch (error) {
        reason = _(foreignKey('roomwire-email', 'roomwire-email.errors.invalid-account'), { id: channelId, message: (error as Error).message });
      }
    }
    channelNode.warn(reason);
    return notConfigured(reason);
  },
};
