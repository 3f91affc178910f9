// One Sinch project + app + access key, shared by every Roomwire channel that speaks through it:
// one token cache, one nonce memory, and the list of its channels (so a binding's fallback that
// names another channel of the same app becomes Sinch's own `channel_priority_order`). In
// Node-RED the `roomwire-sinch` config node owns an account and closes it.
import { RoomwireError } from '../../errors';
import type { Provider } from '../contract';
import { SINCH_REGIONS, SinchClient, sinchBaseUrl, type SinchRegion } from './client';
import { SINCH_CONTACT_WAIT_MS, SinchContactNames } from './contacts';
import { createSinchChannelProvider, type SinchApp, type SinchChannelOptions } from './provider';
import { NonceReplayGuard } from './replay-guard';
import { SINCH_DEFAULT_WINDOW_SECONDS } from './signature';
import { SinchTokenSource } from './token';

export interface SinchAccountOptions {
  /** The project id (a UUID) from the Sinch dashboard. */
  projectId: string;
  /** The Conversation API app the channels send from. */
  appId: string;
  /** An access key of the project: its id and secret get OAuth2 tokens. */
  keyId: string;
  keySecret: string;
  /** The secret of the app's webhook: every callback's signature is checked with it. */
  webhookSecret?: string;
  /** `us`, `eu` or `br`: where the app lives (default `us`). */
  region?: SinchRegion;
  /** Replaces `https://{region}.conversation.api.sinch.com` (tests, proxies). */
  baseUrl?: string;
  /** Replaces `https://auth.sinch.com/oauth2/token`. */
  tokenUrl?: string;
  /** How far a callback's timestamp may be from this clock (default 300 s). */
  timestampWindowSeconds?: number;
  /** How long a call waits for Sinch's answer (default 15 s). */
  timeoutMs?: number;
  /**
   * Look up the display name of each contact who writes (GET .../contacts/{id}, once per contact;
   * default true). Needs an access key allowed to read contacts; without one, messages just have
   * no name.
   */
  contactNames?: boolean;
  /** How long an inbound message waits for its contact's name (default 2000 ms); then it goes on without. */
  contactWaitMs?: number;
  clock?: () => number;
}

function invalid(field: string, message: string): RoomwireError {
  return new RoomwireError('invalid_input', message, field);
}

function required(options: SinchAccountOptions, field: 'projectId' | 'appId' | 'keyId' | 'keySecret'): string {
  const value = options[field];
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, 'is required');
  return value.trim();
}

export class SinchAccount implements SinchApp {
  readonly appId: string;
  readonly webhookSecret: string | undefined;
  readonly windowSeconds: number;
  readonly clock: () => number;
  readonly tokens: SinchTokenSource;
  readonly client: SinchClient;
  readonly replayGuard: NonceReplayGuard;
  readonly contacts: SinchContactNames | null;
  /** Roomwire channel id → the Sinch channel it speaks for. */
  private readonly channels = new Map<string, string>();

  constructor(options: SinchAccountOptions) {
    const projectId = required(options, 'projectId');
    this.appId = required(options, 'appId');
    const region = options.region ?? 'us';
    if (!SINCH_REGIONS.includes(region)) throw invalid('region', `must be one of ${SINCH_REGIONS.join(', ')}`);
    const baseUrl = options.baseUrl?.trim() || sinchBaseUrl(region);
    if (!/^https?:\/\/[^/\s]+/.test(baseUrl)) throw invalid('baseUrl', 'must be an http(s) URL');
    if (options.tokenUrl && !/^https?:\/\/[^/\s]+/.test(options.tokenUrl)) throw invalid('tokenUrl', 'must be an http(s) URL');
    this.windowSeconds = options.timestampWindowSeconds ?? SINCH_DEFAULT_WINDOW_SECONDS;
    if (!(this.windowSeconds > 0)) throw invalid('timestampWindowSeconds', 'must be a positive number of seconds');
    this.webhookSecret = options.webhookSecret || undefined;
    this.clock = options.clock ?? Date.now;
    this.tokens = new SinchTokenSource({
      keyId: required(options, 'keyId'),
      keySecret: required(options, 'keySecret'),
      tokenUrl: options.tokenUrl?.trim() || undefined,
      timeoutMs: options.timeoutMs,
      clock: this.clock,
    });
    this.client = new SinchClient({ projectId, baseUrl, tokens: this.tokens, timeoutMs: options.timeoutMs });
    this.replayGuard = new NonceReplayGuard(this.windowSeconds);
    const waitMs = options.contactWaitMs ?? SINCH_CONTACT_WAIT_MS;
    if (!(waitMs >= 0)) throw invalid('contactWaitMs', 'must be a number of milliseconds, 0 or more');
    this.contacts = options.contactNames === false ? null : new SinchContactNames(this.client, waitMs, this.clock);
  }

  /** A provider for one Roomwire channel of this app; closing it leaves the account open. */
  provider(options: SinchChannelOptions): Provider {
    return createSinchChannelProvider(this, options);
  }

  /** Called by a channel's provider when it starts and stops serving `channelId`. */
  addChannel(channelId: string, sinchChannel: string): void {
    this.channels.set(channelId, sinchChannel);
  }

  removeChannel(channelId: string): void {
    this.channels.delete(channelId);
  }

  /** The Sinch channel a Roomwire channel of this account speaks for. */
  sinchChannelOf(channelId: string): string | undefined {
    return this.channels.get(channelId);
  }

  /** Forgets tokens, nonces and contact names; no timer or socket outlives it. */
  close(): void {
    this.contacts?.clear();
    this.tokens.clear();
    this.replayGuard.clear();
    this.channels.clear();
  }
}

/** A provider with an account of its own, closed with it: for a channel that shares nothing. */
export function createSinchProvider(options: SinchAccountOptions & SinchChannelOptions): Provider {
  const account = new SinchAccount(options);
  const provider = account.provider(options);
  return {
    ...provider,
    async close() {
      await provider.close?.();
      account.close();
    },
  };
}
