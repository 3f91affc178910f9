// The `sinch` provider kind: a channel (SMS, WhatsApp, RCS...) of the Sinch Conversation API app
// of the `roomwire-sinch` config node the channel names in its `sinch` property. The channel speaks
// for the Sinch channel named like its type, or the one set in `sinchChannel`. Channels of one
// config node share its account, so a binding's fallback naming another of them becomes Sinch's
// own channel_priority_order.
import type { Provider } from '@roomwire/runtime';
import type { NodeAPI } from 'node-red';
import type { SinchConfigNode } from '../sinch-account';

/** The part of the provider kinds' context this kind reads (typed here: the table imports this file). */
interface SinchKindContext {
  RED: NodeAPI;
  def: Readonly<Record<string, unknown>>;
  channelId: string;
  channelType: string;
}

export const sinch = {
  name: 'sinch',
  configProperty: 'sinch',
  create({ RED, def, channelId, channelType }: SinchKindContext): Provider {
    const configId = typeof def.sinch === 'string' ? def.sinch : '';
    const config = configId ? (RED.nodes.getNode(configId) as SinchConfigNode | null) : null;
    if (!config) throw new Error('not configured: sinch');
    const found = config.account();
    if ('missing' in found) throw new Error(`not configured: ${found.missing.join(', ')}`);
    const sinchChannel = typeof def.sinchChannel === 'string' ? def.sinchChannel.trim() : '';
    return found.account.provider({ channelId, channelType, ...(sinchChannel ? { sinchChannel } : {}) });
  },
};
