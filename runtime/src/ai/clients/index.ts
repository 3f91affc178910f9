// The model client for a configuration: one per `roomwire-ai-model` config node (or code).
import { RoomwireError } from '../../errors';
import type { ModelClient, ModelConfig } from '../types';

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
  if (config.provider === 'openai') return loadedOnFirstCall(config, () => import('./openai').then((sdk) => sdk.createOpenAiClient(config)));
  if (config.provider === 'anthropic') return loadedOnFirstCall(config, () => import('./anthropic').then((sdk) => sdk.createAnthropicClient(config)));
  throw new RoomwireError('invalid_input', `must be openai or anthropic, not ${JSON.stringify(config.provider)}`, 'provider');
}

/**
 * The provider's SDK is loaded when its first model call is made, not with the runtime: most
 * installations use one provider or none, and loading both SDKs took about 150 ms of every start.
 */
function loadedOnFirstCall(config: ModelConfig, load: () => Promise<ModelClient>): ModelClient {
  let client: Promise<ModelClient> | undefined;
  return {
    provider: config.provider,
    model: config.model,
    complete: (request) => (client ??= load()).then((loaded) => loaded.complete(request)),
  };
}
