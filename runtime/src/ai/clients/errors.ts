// The client libraries' errors as ModelErrors. Both SDKs have the same error classes (an API error
// with its status, a timeout class, a connection class; each SDK its own copy, passed in), so one
// mapping serves both; the message keeps the API's own words (its error body) so a user sees
// "invalid x-api-key", not just "401".
import { ModelError, type ModelErrorCode } from '../types';

interface ApiErrorLike {
  status?: number;
  message?: string;
}

/** The SDK's own classes for a request that timed out and one that never reached the server. */
export interface SdkErrorClasses {
  timeout: abstract new (...args: never[]) => unknown;
  connection: abstract new (...args: never[]) => unknown;
}

function codeOf(error: ApiErrorLike, classes: SdkErrorClasses): ModelErrorCode {
  // The timeout class extends the connection class: ask for it first.
  if (error instanceof classes.timeout) return 'timeout';
  if (error instanceof classes.connection) return 'connection';
  const status = error.status;
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 429) return 'rate_limited';
  if (status !== undefined && status >= 500) return 'server_error';
  if (status !== undefined && status >= 400) return 'bad_request';
  return 'bad_response';
}

export function modelErrorOf(provider: string, classes: SdkErrorClasses, error: unknown): ModelError {
  if (error instanceof ModelError) return error;
  const apiError = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as ApiErrorLike;
  const code = codeOf(apiError, classes);
  const detail = apiError.message ?? String(error);
  return new ModelError(code, `${provider} model call failed (${code}${apiError.status ? `, HTTP ${apiError.status}` : ''}): ${detail}`, apiError.status);
}
