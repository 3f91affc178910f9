// A real engine (test/runtime/support/engine.ts: SQLite on disk, flow and webhook channels) plus
// the channels an AI room needs: `ai` (AI participants), `agent` (staff, internal), `email`; and a
// model client of either provider pointed at a local model server.
import { FlowProvider, createModelClient, type Binding, type Engine, type ModelClient, type OutboundMessage, type RoomEvent, type SideEffect } from '../../../runtime/src';
import { openTestEngine, type TestEngine } from '../../runtime/support/engine';
import { startAnthropicServer, startOpenAiServer, type ModelServer } from './model-servers';

export type Provider = 'openai' | 'anthropic';
export const PROVIDERS: Provider[] = ['openai', 'anthropic'];

export interface AiTestEngine extends TestEngine {
  /** Messages handed to the `ai`, `agent` and `mail` channels' participants. */
  flows: { ai: OutboundMessage[]; agent: OutboundMessage[]; mail: OutboundMessage[] };
}

export async function openAiTestEngine(options: Parameters<typeof openTestEngine>[0] = {}): Promise<AiTestEngine> {
  const base = await openTestEngine(options);
  const flows: AiTestEngine['flows'] = { ai: [], agent: [], mail: [] };
  for (const [id, type] of [['ai', 'ai'], ['agent', 'agent'], ['mail', 'email']] as const) {
    const provider = new FlowProvider();
    provider.listen((message) => flows[id].push(message));
    await base.engine.registerChannel({ id, type, provider, ...(type === 'agent' ? { info: { audience: 'internal' } } : {}) });
  }
  return Object.assign(base, { flows });
}

const servers: ModelServer[] = [];

export async function modelServer(provider: Provider): Promise<{ server: ModelServer; client: (overrides?: { apiKey?: string; timeoutMs?: number; retries?: number }) => ModelClient }> {
  const server = provider === 'openai' ? await startOpenAiServer('sk-test') : await startAnthropicServer('sk-test');
  servers.push(server);
  return {
    server,
    client: (overrides = {}) =>
      createModelClient({ provider, baseUrl: server.baseUrl, model: provider === 'openai' ? 'gpt-test' : 'claude-test', apiKey: 'sk-test', timeoutMs: 2000, retries: 0, ...overrides }),
  };
}

export async function closeModelServers(): Promise<void> {
  while (servers.length > 0) await servers.pop()!.close();
}

export async function say(engine: Engine, roomId: string, bindingId: string | undefined, text: string): Promise<RoomEvent> {
  return (await engine.call<{ event: RoomEvent }>('sendEvent', { roomId, ...(bindingId ? { bindingId } : {}), content: { type: 'text', text } })).event;
}

export async function sideEffects(engine: Engine, roomId: string, kind?: 'task' | 'observation'): Promise<SideEffect[]> {
  return (await engine.call<{ sideEffects: SideEffect[] }>('listSideEffects', { roomId, ...(kind ? { kind } : {}) })).sideEffects;
}

export async function binding(engine: Engine, bindingId: string): Promise<Binding> {
  return engine.call<Binding>('getBinding', { bindingId });
}
