// The model client for a configuration: one per `roomwire-ai-model` config node (or code).
import { RoomwireError } from '../../errors';
import type { ModelClient, ModelConfig } from '../types';
import { createAnthropicClient } from './anthropic';
import { createOpenAiClient } from './openai';

export function createModelClient(config: ModelConfig): ModelClient {
  if (!config.model?.trim()) throw new RoomwireError('invalid_input', 'is required (the model name, for example llama3.2)', 'model');
  if (config.provider === 'openai') return createOpenAiClient(config);
  if (config.provider === 'anthropic') return createAnthropicClient(config);
  throw new RoomwireError('invalid_input', `must be openai or anthropic, not ${JSON.stringify(config.provider)}`, 'provider');
}
