// The model client for a configuration: one per `roomwire-ai-model` config node (or code).
import { RoomwireError } from '../../errors';
import type { ModelClient, ModelConfig } from '../types';
import { createAnthropicClient } from './anthropic';
import { createOpenAiClient } from './openai';

function checkWhole(value: number | undefined, field: string, min: number, max: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
    throw new RoomwireError('invalid_input', `must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`, field);
  }
}

export function createModelClient(config: ModelConfig): ModelClient {
  if (!config.model?.trim()) throw new RoomwireError('invalid_input', 'is required (the model name, for example llama3.2)', 'model');
  if (config.baseUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(config.baseUrl)) throw new RoomwireError('invalid_input', `must be an http(s) URL, not ${JSON.stringify(config.baseUrl)}`, 'baseUrl');
  checkWhole(config.timeoutMs, 'timeoutMs', 1, 3_600_000);
  checkWhole(config.retries, 'retries', 0, 10);
  checkWhole(config.maxOutputTokens, 'maxOutputTokens', 1, 1_000_000);
  if (config.provider === 'openai') return createOpenAiClient(config);
  if (config.provider === 'anthropic') return createAnthropicClient(config);
  throw new RoomwireError('invalid_input', `must be openai or anthropic, not ${JSON.stringify(config.provider)}`, 'provider');
}
