// The provider-neutral shapes of one model conversation (DESIGN.md section 11): what the AI reply
// sends to a model client and what comes back. Both clients (OpenAI-compatible chat completions and
// Anthropic Messages) translate to and from these, so the rest of the AI module knows neither API.
import type { JsonObject } from '../model';

export type ModelProvider = 'openai' | 'anthropic';

export interface ModelConfig {
  provider: ModelProvider;
  /** Base URL of the API (OpenAI-compatible: up to and including `/v1`; Anthropic: without `/v1`). */
  baseUrl?: string;
  model: string;
  apiKey?: string;
  /** Per request, milliseconds. */
  timeoutMs?: number;
  /** Retries on 429, 5xx and timeouts, with the client library's backoff (it honours `retry-after`). */
  retries?: number;
  /** Anthropic requires a limit; the OpenAI-compatible request sends it too when set. */
  maxOutputTokens?: number;
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments (an object schema). */
  parameters: JsonObject;
}

export interface ToolCall {
  id: string;
  name: string;
  /** Parsed arguments; the client refuses arguments that are not a JSON object. */
  arguments: JsonObject;
}

export interface ToolResult {
  callId: string;
  name: string;
  content: string;
  isError: boolean;
}

/** One turn of the conversation sent to the model; speaker attribution is in the text. */
export type Turn =
  | { role: 'user'; text: string }
  | { role: 'assistant'; text: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; results: ToolResult[] };

export interface ModelRequest {
  system: string;
  turns: Turn[];
  tools: ToolSpec[];
}

export interface ModelResponse {
  /** The model that answered, as the API reports it. */
  model: string;
  text: string;
  toolCalls: ToolCall[];
  usage: { inputTokens: number; outputTokens: number };
}

export interface ModelClient {
  readonly provider: ModelProvider;
  readonly model: string;
  complete(request: ModelRequest): Promise<ModelResponse>;
}

/** Why a model turn failed; each maps to one clear message, an observation and the node's error behaviour. */
export type ModelErrorCode =
  | 'no_model'
  | 'timeout'
  | 'unauthorized'
  | 'rate_limited'
  | 'server_error'
  | 'bad_request'
  | 'connection'
  | 'malformed_tool_arguments'
  | 'unknown_tool'
  | 'too_many_tool_rounds'
  | 'bad_response';

export class ModelError extends Error {
  constructor(
    readonly code: ModelErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

