// The REST calls Roomwire makes to the Conversation API, with a bearer token: `POST {baseUrl}/v1/
// projects/{project}/messages:send`, and `GET .../contacts/{contact}` for a contact's display name
// (MESSAGE_INBOUND carries none). A 401 drops the token and tries once more with a new one.
// messages:send takes no idempotency key, so, as with Twilio, a request that may have reached
// Sinch is never sent again: only failures that prove nothing was accepted (no connection, 429,
// 5xx) are transient (docs/decisions.md, "Sinch").
import { ProviderError } from '../contract';
import { errorCodes, neverConnected } from '../network-errors';
import { sinchError } from './status';
import type { SinchTokenSource } from './token';

export const SINCH_REGIONS = ['us', 'eu', 'br'] as const;
export type SinchRegion = (typeof SINCH_REGIONS)[number];

export function sinchBaseUrl(region: SinchRegion): string {
  return `https://${region}.conversation.api.sinch.com`;
}

export interface SinchClientOptions {
  projectId: string;
  baseUrl: string;
  tokens: SinchTokenSource;
  timeoutMs?: number;
}

export interface SinchSendAnswer {
  /** Sinch's message id; null when the 2xx answer's body was lost. */
  messageId: string | null;
}

interface SinchErrorBody {
  error?: { code?: unknown; message?: unknown; status?: unknown };
}

function parse(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export class SinchClient {
  readonly sendUrl: string;
  private readonly contactsUrl: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: SinchClientOptions) {
    const base = options.baseUrl.replace(/\/+$/, '');
    const project = `${base}/v1/projects/${encodeURIComponent(options.projectId)}`;
    this.sendUrl = `${project}/messages:send`;
    this.contactsUrl = `${project}/contacts/`;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** A contact's `display_name` (null when it has none); throws a ProviderError when Sinch does not answer 2xx. */
  async contactDisplayName(contactId: string, signal?: AbortSignal): Promise<string | null> {
    const url = `${this.contactsUrl}${encodeURIComponent(contactId)}`;
    const get = async (token: string) =>
      fetch(url, {
        method: 'GET',
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'user-agent': 'roomwire-sinch/1' },
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs),
      });
    let token = await this.options.tokens.token();
    let response = await get(token);
    if (response.status === 401) {
      this.options.tokens.invalidate(token);
      token = await this.options.tokens.token();
      response = await get(token);
    }
    const answer = parse(await response.text());
    if (!response.ok) throw httpError(response.status, answer as SinchErrorBody);
    return typeof answer.display_name === 'string' && answer.display_name.trim() !== '' ? answer.display_name.trim() : null;
  }

  async send(body: Record<string, unknown>): Promise<SinchSendAnswer> {
    const json = JSON.stringify(body);
    let token = await this.options.tokens.token();
    let response = await this.post(json, token);
    if (response.status === 401) {
      // An expired or revoked token: Sinch did not accept the message, so one retry is safe.
      this.options.tokens.invalidate(token);
      token = await this.options.tokens.token();
      response = await this.post(json, token);
    }
    const answer = parse(await response.text);
    if (response.ok) return { messageId: typeof answer.message_id === 'string' ? answer.message_id : null };
    throw httpError(response.status, answer as SinchErrorBody);
  }

  private async post(body: string, token: string): Promise<{ status: number; ok: boolean; text: Promise<string> }> {
    let response: Response;
    try {
      response = await fetch(this.sendUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': 'roomwire-sinch/1',
        },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      if (neverConnected(error)) {
        throw new ProviderError('network', `could not reach Sinch at ${this.sendUrl}: ${errorCodes(error)[0]}`, false);
      }
      const what = (error as Error)?.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : 'the connection broke before Sinch answered';
      throw new ProviderError(
        'outcome_unknown',
        `${what}; Sinch may have accepted the message, so it is not sent again (messages:send takes no idempotency key): check the app's message log`,
        true,
      );
    }
    // Once Sinch answered 2xx the message exists: a body that fails to arrive only loses its id.
    return { status: response.status, ok: response.ok, text: response.text().catch(() => '') };
  }
}

/** Sinch's error answer (`{error: {code, message, status}}`): 429 and 5xx transient, the rest permanent. */
function httpError(status: number, body: SinchErrorBody): ProviderError {
  const reason = typeof body.error?.status === 'string' ? body.error.status : null;
  const message = typeof body.error?.message === 'string' ? `: ${body.error.message.slice(0, 500)}` : '';
  const transient = status === 429 || status >= 500;
  const code = reason ? sinchError(reason, undefined).code : `http_${status}`;
  return new ProviderError(code, `Sinch answered HTTP ${status}${reason ? ` ${reason}` : ''}${message}`, !transient);
}
