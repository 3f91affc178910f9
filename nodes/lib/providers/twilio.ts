// The `twilio` provider kind: SMS, MMS and WhatsApp through the account of the `roomwire-twilio`
// config node the channel names in its `twilio` property, sending from the channel's own number
// (`twilioFrom`) or the account's Messaging Service. Status callbacks are asked for at the channel's
// public webhook URL (the engine's public URL, lib/public-url.ts), which is also the URL whose
// signature inbound requests must carry.
import { createTwilioProvider } from '@roomwire/runtime';
import type { TwilioConfigNode } from '../twilio-account';
import { ProviderNotConfigured, type ProviderKind } from '../provider-kind';

export const twilio: ProviderKind = {
  name: 'twilio',
  configProperty: 'twilio',
  create({ RED, def, webhookUrl }) {
    const configId = typeof def.twilio === 'string' ? def.twilio : '';
    const config = configId ? (RED.nodes.getNode(configId) as TwilioConfigNode | null) : null;
    if (!config) throw new ProviderNotConfigured(['twilio']);
    const found = config.account();
    if ('missing' in found) throw new ProviderNotConfigured(found.missing);
    const { account } = found;
    const from = typeof def.twilioFrom === 'string' ? def.twilioFrom.trim() : '';
    if (!from && !account.messagingServiceSid) throw new ProviderNotConfigured(['twilioFrom']);
    return createTwilioProvider({
      ...account,
      from: from || undefined,
      // Read on every send: a local URL's port is known only once Node-RED listens.
      get statusCallbackUrl() {
        return webhookUrl();
      },
    });
  },
};
