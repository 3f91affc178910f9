// OpenAI-compatible chat completions (OpenAI, Ollama, vLLM, LM Studio, llama.cpp server) through
// the official `openai` client: `tools` out, `tool_calls` back, tool results as `role: tool`.
import OpenAI from 'openai';
import type { ModelClient, ModelConfig, ModelRequest, ModelResponse, Turn } from '../types';
import { modelErrorOf, type SdkErrorClasses } from './errors';
import { parseToolArguments } from './tool-arguments';

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

function messagesOf(request: ModelRequest): Message[] {
  const messages: Message[] = [{ role: 'system', content: request.system }];
  for (const turn of request.turns) messages.push(...toMessages(turn));
  return messages;
}

function toMessages(turn: Turn): Message[] {
  if (turn.role === 'user') return [{ role: 'user', content: turn.text }];
  if (turn.role === 'assistant') {
    const calls = turn.toolCalls ?? [];
    return [
      {
        role: 'assistant',
        content: turn.text || null,
        ...(calls.length > 0
          ? { tool_calls: calls.map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: JSON.stringify(call.arguments) } })) }
          : {}),
      },
    ];
  }
  return turn.results.map((result) => ({ role: 'tool' as const, tool_call_id: result.callId, content: result.content }));
}

const sdkErrors: SdkErrorClasses = { timeout: OpenAI.APIConnectionTimeoutError, connection: OpenAI.APIConnectionError };

export function createOpenAiClient(config: ModelConfig): ModelClient {
  const client = new OpenAI({
    // Local servers (Ollama, LM Studio) take any key; the library insists on one.
    apiKey: config.apiKey || 'no-key',
    baseURL: config.baseUrl || 'https://api.openai.com/v1',
    timeout: config.timeoutMs ?? 60_000,
    maxRetries: config.retries ?? 2,
  });
  return {
    provider: 'openai',
    model: config.model,
    async complete(request): Promise<ModelResponse> {
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await client.chat.completions.create({
          model: config.model,
          messages: messagesOf(request),
          ...(config.maxOutputTokens ? { max_tokens: config.maxOutputTokens } : {}),
          ...(request.tools.length > 0
            ? { tools: request.tools.map((tool) => ({ type: 'function' as const, function: { name: tool.name, description: tool.description, parameters: tool.parameters } })) }
            : {}),
        });
      } catch (error) {
        throw modelErrorOf('openai', sdkErrors, error);
      }
      const message = completion.choices?.[0]?.message;
      if (!message) throw modelErrorOf('openai', sdkErrors, new Error('the response has no choices[0].message'));
      const toolCalls = (message.tool_calls ?? []).map((call) => {
        const fn = (call as { function?: { name: string; arguments: string } }).function;
        if (!fn) throw modelErrorOf('openai', sdkErrors, new Error(`tool call ${call.id} is not a function call`));
        return { id: call.id, name: fn.name, arguments: parseToolArguments(fn.name, fn.arguments) };
      });
      return {
        model: completion.model ?? config.model,
        text: message.content ?? '',
        toolCalls,
        usage: { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 },
      };
    },
  };
}
