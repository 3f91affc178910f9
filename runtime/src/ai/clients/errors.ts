// The client libraries' errors as ModelErrors. Both SDKs share Stainless's error classes (status,
// a timeout class, a connection class), so one mapping serves both; the message keeps the API's own
// words (its error body) so a user sees "invalid x-api-key", not just "401".
import { ModelError, type ModelErrorCode } from '../types';

interface ApiErrorLike {
  name?: string;
  status?: number;
  message?: string;
}

function codeOf(error: ApiErrorLike): ModelErrorCode {
  if (error.name === 'APIConnectionTimeoutError') return 'timeout';
  if (error.name === 'APIConnectionError') return 'connection';
  const status = error.status;
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 429) return 'rate_limited';
  if (status !== undefined && status >= 500) return 'server_error';
  if (status !== undefined && status >= 400) return 'bad_request';
  return 'bad_response';
}

export function modelErrorOf(provider: string, error: unknown): ModelError {
  if (error instanceof ModelError) return error;
  const apiError = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as ApiErrorLike;
  const code = codeOf(apiError);
  const detail = apiError.message ?? String(error);
  return new ModelError(code, `${provider} model call failed (${code}${apiError.status ? `, HTTP ${apiError.status}` : ''}): ${detail}`, apiError.status);
}
