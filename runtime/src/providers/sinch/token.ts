// OAuth2 client-credentials tokens for the Conversation API: `POST {tokenUrl}` with
// `grant_type=client_credentials`, HTTP Basic auth with the access key's id and secret, answered
// `{access_token, expires_in, token_type: "bearer"}`. A token is cached until shortly before it
// expires and shared by every send (and every channel of the account); concurrent sends wait for
// one request. `invalidate` drops a token the API refused, so the next send fetches a new one.
import { ProviderError } from '../contract';
import { errorCodes, neverConnected } from '../network-errors';

export const SINCH_TOKEN_URL = 'https://auth.sinch.com/oauth2/token';
/** A token is renewed this long before Sinch says it expires (clock skew, a send in flight). */
const EXPIRY_MARGIN_MS = 60_000;

export interface SinchTokenSourceOptions {
  keyId: string;
  keySecret: string;
  tokenUrl?: string;
  timeoutMs?: number;
  clock?: () => number;
}

interface CachedToken {
  value: string;
  renewAt: number;
}

export class SinchTokenSource {
  private cached: CachedToken | null = null;
  private pending: Promise<string> | null = null;
  private readonly tokenUrl: string;
  private readonly authorization: string;
  private readonly clock: () => number;
  private readonly timeoutMs: number;

  constructor(options: SinchTokenSourceOptions) {
    this.tokenUrl = options.tokenUrl ?? SINCH_TOKEN_URL;
    this.authorization = `Basic ${Buffer.from(`${options.keyId}:${options.keySecret}`).toString('base64')}`;
    this.clock = options.clock ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** A valid access token: the cached one, or a new one. */
  async token(): Promise<string> {
    if (this.cached && this.clock() < this.cached.renewAt) return this.cached.value;
    if (!this.pending) {
      this.pending = this.fetchToken().finally(() => {
        this.pending = null;
      });
    }
    return this.pending;
  }

  /** Forgets `token` (the API answered 401 to it); a newer token fetched meanwhile is kept. */
  invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = null;
  }

  clear(): void {
    this.cached = null;
  }

  private async fetchToken(): Promise<string> {
    let response: Response;
    try {
      response = await fetch(this.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: this.authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'user-agent': 'roomwire-sinch/1',
        },
        body: 'grant_type=client_credentials',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      // Asking for a token sends nothing to anyone: every failure here may be retried.
      const why = neverConnected(error) ? errorCodes(error)[0] : (error as Error)?.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : 'the connection broke';
      throw new ProviderError('sinch_auth_unreachable', `could not get a Sinch access token from ${this.tokenUrl}: ${why}`, false);
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      const transient = response.status === 429 || response.status >= 500;
      const hint = response.status === 401 || response.status === 400 ? ' (check the access key id and secret)' : '';
      throw new ProviderError(transient ? 'sinch_auth_unavailable' : 'sinch_auth_refused', `Sinch's token endpoint answered HTTP ${response.status}${hint}`, !transient);
    }
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = {};
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new ProviderError('sinch_auth_unavailable', `Sinch's token endpoint answered without an access_token`, false);
    }
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    const lifetime = seconds * 1000;
    // A short-lived token is still used once rather than renewed before every send.
    this.cached = { value: body.access_token, renewAt: this.clock() + Math.max(lifetime - EXPIRY_MARGIN_MS, lifetime / 2) };
    return body.access_token;
  }
}
