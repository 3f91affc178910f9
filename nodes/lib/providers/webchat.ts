// The `webchat` provider kind: a channel whose participants are chat pages on this Node-RED. Its
// settings (start limits, room timers, token lifetime, allowed origins) apply to chats started on
// it; the provider delivers to the pages connected for each binding.
import { RateLimiter, WebchatProvider, type ChatStartSettings } from '@roomwire/runtime';
import type { EngineConfigNode } from '../engine-user';
import type { ProviderContext, ProviderKind } from '../provider-kind';
import { serveChatEndpoint } from '../webchat/endpoints';
import { mountChat } from '../webchat/routes';

const DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

function text(def: ProviderContext['def'], key: string, fallback: string): string {
  const value = def[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
}

function positive(def: ProviderContext['def'], key: string, fallback: number): number {
  const value = Number(def[key]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** The channel's settings; a malformed value falls back to its default (the editor validates too). */
export function chatSettings(def: ProviderContext['def'], channelId: string): { start: ChatStartSettings; origins: string[]; startsPerMinute: number } {
  const duration = (key: string, fallback: string) => {
    const value = text(def, key, fallback);
    return DURATION.test(value) ? value : fallback;
  };
  return {
    start: {
      channelId,
      timers: { inactiveAfter: duration('chatInactiveAfter', 'PT30M'), closedAfter: duration('chatClosedAfter', 'PT24H') },
      tokenTtlSeconds: Math.round(positive(def, 'chatTokenHours', 24) * 3600),
    },
    origins: text(def, 'chatOrigins', '*').split(/[\s,]+/).filter(Boolean),
    startsPerMinute: positive(def, 'chatStartsPerMinute', 10),
  };
}

export const webchat: ProviderKind = {
  name: 'webchat',
  create({ RED, def, channelId }) {
    mountChat(RED);
    const config = RED.nodes.getNode(String(def.engine)) as EngineConfigNode | null;
    const engine = () => (config?.shared ? config.shared.ready() : Promise.reject(new Error('no roomwire-engine config node is selected')));
    const settings = chatSettings(def, channelId);
    const release = serveChatEndpoint(channelId, {
      engine,
      settings: settings.start,
      origins: settings.origins,
      startLimiter: new RateLimiter(settings.startsPerMinute, 60_000),
    });
    const provider = new WebchatProvider(async () => (await engine()).chatHub, channelId);
    // The engine may still be opening; a failure to open shows on the engine node already.
    provider.warm().catch(() => undefined);
    const close = provider.close.bind(provider);
    provider.close = async () => {
      release();
      await close();
    };
    return provider;
  },
};
