// Anthropic Messages through the official `@anthropic-ai/sdk` client: `tools` with `input_schema`
// out, `tool_use` blocks back, results as `tool_result` blocks in the next user message.
import Anthropic from '@anthropic-ai/sdk';
import type { ModelClient, ModelConfig, ModelRequest, ModelResponse, ToolCall, Turn } from '../types';
import { modelErrorOf, type SdkErrorClasses } from './errors';
import { parseToolArguments } from './tool-arguments';

type Message = Anthropic.Messages.MessageParam;

function toMessage(turn: Turn): Message {
  if (turn.role === 'user') return { role: 'user', content: turn.text };
  if (turn.role === 'assistant') {
    const blocks: Anthropic.Messages.ContentBlockParam[] = [];
    if (turn.text) blocks.push({ type: 'text', text: turn.text });
    for (const call of turn.toolCalls ?? []) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.arguments });
    return { role: 'assistant', content: blocks.length > 0 ? blocks : turn.text };
  }
  return {
    role: 'user',
    content: turn.results.map((result) => ({ type: 'tool_result' as const, tool_use_id: result.callId, content: result.content, ...(result.isError ? { is_error: true } : {}) })),
  };
}

/** The Messages API wants user and assistant turns to alternate: neighbours of one role become one turn. */
function alternating(messages: Message[]): Message[] {
  const out: Message[] = [];
  const blocks = (content: Message['content']): Anthropic.Messages.ContentBlockParam[] =>
    typeof content === 'string' ? [{ type: 'text', text: content }] : content;
  for (const message of messages) {
    const last = out[out.length - 1];
    if (last && last.role === message.role) out[out.length - 1] = { role: last.role, content: [...blocks(last.content), ...blocks(message.content)] };
    else out.push(message);
  }
  return out;
}

const sdkErrors: SdkErrorClasses = { timeout: Anthropic.APIConnectionTimeoutError, connection: Anthropic.APIConnectionError };

export function createAnthropicClient(config: ModelConfig): ModelClient {
  const client = new Anthropic({
    apiKey: config.apiKey || 'no-key',
    baseURL: config.baseUrl || 'https://api.anthropic.com',
    timeout: config.timeoutMs ?? 60_000,
    maxRetries: config.retries ?? 2,
  });
  return {
    provider: 'anthropic',
    model: config.model,
    async complete(request: ModelRequest): Promise<ModelResponse> {
      let response: Anthropic.Messages.Message;
      try {
        response = await client.messages.create({
          model: config.model,
          max_tokens: config.maxOutputTokens ?? 1024,
          system: request.system,
          messages: alternating(request.turns.map(toMessage)),
          ...(request.tools.length > 0
            ? { tools: request.tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.parameters as Anthropic.Messages.Tool['input_schema'] })) }
            : {}),
        });
      } catch (error) {
        throw modelErrorOf('anthropic', sdkErrors, error);
      }
      if (!Array.isArray(response.content)) throw modelErrorOf('anthropic', sdkErrors, new Error('the response has no content blocks'));
      const text: string[] = [];
      const toolCalls: ToolCall[] = [];
      for (const block of response.content) {
        if (block.type === 'text') text.push(block.text);
        if (block.type === 'tool_use') toolCalls.push({ id: block.id, name: block.name, arguments: parseToolArguments(block.name, block.input) });
      }
      return {
        model: response.model ?? config.model,
        text: text.join(''),
        toolCalls,
        usage: { inputTokens: response.usage?.input_tokens ?? 0, outputTokens: response.usage?.output_tokens ?? 0 },
      };
    },
  };
}
