// `roomwire-ai-model`: a model an `ai reply` node talks to — an OpenAI-compatible chat-completions
// endpoint (OpenAI, Ollama, vLLM, LM Studio, llama.cpp server) or Anthropic Messages. The key is a
// credential (never in flow JSON). The config node owns the client its users share.
import { createModelClient, type ModelClient, type ModelProvider } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { AiModelNode } from './lib/ai-model';
import { migrated } from './lib/migrate';

interface AiModelNodeDef extends NodeDef {
  provider?: string;
  baseUrl?: string;
  model?: string;
  timeoutMs?: string | number;
  retries?: string | number;
  maxOutputTokens?: string | number;
}

function numberOr(value: string | number | undefined, fallback: number): number {
  const number = Number(value);
  return value === undefined || value === '' || !Number.isFinite(number) ? fallback : number;
}

export = function (RED: NodeAPI): void {
  function RoomwireAiModelNode(this: Node, raw: AiModelNodeDef): void {
    RED.nodes.createNode(this, raw);
    const node = this as AiModelNode;
    const def = migrated(RED, raw);
    const credentials = (node as unknown as { credentials?: { apiKey?: string } }).credentials ?? {};
    let client: ModelClient | null | undefined;
    node.client = () => {
      if (client !== undefined) return client;
      const model = def.model?.trim();
      client = model
        ? createModelClient({
            provider: (def.provider || 'openai') as ModelProvider,
            baseUrl: def.baseUrl?.trim() || undefined,
            model,
            apiKey: credentials.apiKey || undefined,
            timeoutMs: numberOr(def.timeoutMs, 60_000),
            retries: numberOr(def.retries, 2),
            maxOutputTokens: numberOr(def.maxOutputTokens, 1024),
          })
        : null;
      return client;
    };
  }

  RED.nodes.registerType('roomwire-ai-model', RoomwireAiModelNode, { credentials: { apiKey: { type: 'password' } } });
};
