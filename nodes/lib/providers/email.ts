// The `email` provider kind: a channel that names a `roomwire-email` account sends through its
// SMTP server and takes inbound mail on its webhook. Without a usable account (none picked, no
// SMTP host or sender) the channel shows "not configured" and stays unregistered, so a flow
// imported before the account is set up deploys, and no mail is sent or taken in.
import { createEmailProvider, type EmailProviderOptions } from '@roomwire/runtime';
import type { Node } from 'node-red';
import { ProviderNotConfigured, type ProviderKind } from '../provider-kind';

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

export const email: ProviderKind = {
  name: 'email',
  configProperty: 'email',
  create({ RED, def }) {
    const configId = typeof def.email === 'string' ? def.email : '';
    const account = configId ? (RED.nodes.getNode(configId) as EmailConfigNode | null) : null;
    if (!account) throw new ProviderNotConfigured(['email']);
    try {
      return createEmailProvider(account.emailOptions());
    } catch (error) {
      // A setting the account lacks or has wrong: the channel shows "not configured" and says which.
      throw new ProviderNotConfigured([(error as Error).message]);
    }
  },
};
