// The one REST call Roomwire makes to Twilio: create a Message (`POST /2010-04-01/Accounts/{sid}/
// Messages.json`, form-encoded, HTTP Basic auth with the Account SID and Auth Token or an API key).
// Twilio takes no idempotency key for Messages, so a request that may have reached Twilio is never
// sent again: only failures that prove nothing was created (no connection, 429, 5xx) are transient
// (docs/decisions.md, "Twilio sends at most once").
import { ProviderError } from '../contract';
import { errorCodes, neverConnected } from '../network-errors';
import { encodeForm } from './form';
import { TWILIO_OUTSIDE_WINDOW } from './status';

export const TWILIO_API_BASE_URL = 'https://api.twilio.com';

export interface TwilioCredentials {
  accountSid: string;
  /** Basic auth user and password: the Account SID and Auth Token, or an API key's SID and secret. */
  username: string;
  password: string;
}

export interface TwilioClientOptions {
  credentials: TwilioCredentials;
  /** Where the REST API lives (tests point it at a local server). */
  apiBaseUrl?: string;
  timeoutMs?: number;
}

export interface CreatedMessage {
  /** The Message SID (`SM…`, `MM…`); null when the 2xx answer's body was lost. */
  sid: string | null;
}

interface TwilioAnswer {
  code?: number | string;
  message?: string;
  sid?: string;
}

function parseBody(text: string): TwilioAnswer {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as TwilioAnswer) : {};
  } catch {
    return {};
  }
}

export class TwilioClient {
  private readonly messagesUrl: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;

  constructor(options: TwilioClientOptions) {
    const base = (options.apiBaseUrl ?? TWILIO_API_BASE_URL).replace(/\/+$/, '');
    this.messagesUrl = `${base}/2010-04-01/Accounts/${encodeURIComponent(options.credentials.accountSid)}/Messages.json`;
    const { username, password } = options.credentials;
    this.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  async createMessage(fields: Record<string, string | string[] | undefined>): Promise<CreatedMessage> {
    let response: Response;
    try {
      response = await fetch(this.messagesUrl, {
        method: 'POST',
        headers: {
          authorization: this.authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'user-agent': 'roomwire-twilio/1',
        },
        body: encodeForm(fields),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      if (neverConnected(error)) {
        throw new ProviderError('network', `could not reach Twilio at ${this.messagesUrl}: ${errorCodes(error)[0]}`, false);
      }
      const what = (error as Error)?.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : 'the connection broke before Twilio answered';
      throw new ProviderError(
        'outcome_unknown',
        `${what}; Twilio may have accepted the message, so it is not sent again (Twilio takes no idempotency key): check Twilio's message log`,
        true,
      );
    }
    // Once Twilio answered 2xx the message exists: a body that fails to arrive only loses its SID.
    const text = await response.text().catch(() => '');
    const body = parseBody(text);
    if (response.ok) return { sid: typeof body.sid === 'string' ? body.sid : null };
    throw httpError(response.status, body);
  }
}

/**
 * Twilio's error answer as a ProviderError: 429 and 5xx are transient (nothing was created, the
 * worker retries with backoff); any other status fails the same way every time.
 */
function httpError(status: number, body: TwilioAnswer): ProviderError {
  const code = body.code === undefined || body.code === null ? null : String(body.code);
  const transient = status === 429 || status >= 500;
  const detail = `${code ? ` error ${code}` : ''}${body.message ? `: ${body.message}` : ''}`;
  return new ProviderError(
    code === TWILIO_OUTSIDE_WINDOW ? 'outside_window' : code ? `twilio_${code}` : `http_${status}`,
    `Twilio answered HTTP ${status}${detail}`,
    !transient,
  );
}
