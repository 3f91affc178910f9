// The `sinch` provider kind: a channel (SMS, WhatsApp, RCS...) of the Sinch Conversation API app
// of the `roomwire-sinch` config node the channel names in its `sinch` property. The channel speaks
// for the Sinch channel named like its type, or the one set in `sinchChannel`. Channels of one
// config node share its account, so a binding's fallback naming another of them becomes Sinch's
// own channel_priority_order.
import { ProviderNotConfigured, type ProviderKind } from '../provider-kind';
import type { SinchConfigNode } from '../sinch-account';

export const sinch: ProviderKind = {
  name: 'sinch',
  configProperty: 'sinch',
  create({ RED, def, channelId, channelType }) {
    const configId = typeof def.sinch === 'string' ? def.sinch : '';
    const config = configId ? (RED.nodes.getNode(configId) as SinchConfigNode | null) : null;
    if (!config) throw new ProviderNotConfigured(['sinch']);
    const found = config.account();
    if ('missing' in found) throw new ProviderNotConfigured(found.missing);
    const sinchChannel = typeof def.sinchChannel === 'string' ? def.sinchChannel.trim() : '';
    return found.account.provider({ channelId, channelType, ...(sinchChannel ? { sinchChannel } : {}) });
  },
};
