// Local HTTP servers speaking the two model APIs the AI module supports, as documented:
// OpenAI chat completions (`POST /v1/chat/completions`, `tools` / `tool_calls`, `role: tool`
// results, `{error: {message, type, code}}` bodies) and Anthropic Messages (`POST /v1/messages`,
// `tools` with `input_schema`, `tool_use` / `tool_result` blocks, `{type: 'error', error: {type,
// message}}` bodies). Each checks every request it receives and answers from a script.
import { once } from 'node:events';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedToolCall {
  name: string;
  /** An object, or (OpenAI) a raw arguments string such as malformed JSON. */
  arguments: unknown;
}

export type Scripted =
  | { text?: string; toolCalls?: ScriptedToolCall[] }
  | { error: 'unauthorized' | 'rate_limited' | 'server_error' }
  | { hang: true };

export interface ModelRequestSeen {
  headers: IncomingHttpHeaders;
  body: any;
}

export interface ModelServer {
  /** The base URL a client is configured with. */
  baseUrl: string;
  requests: ModelRequestSeen[];
  /** Every way a request broke the API's documented shape; a test expects none. */
  problems: string[];
  /** Replies in order; when they run out, `{text: 'ok'}`. A function sees the request. */
  script(...replies: (Scripted | ((request: ModelRequestSeen) => Scripted))[]): void;
  close(): Promise<void>;
}

type Reply = { status: number; body: unknown; headers?: Record<string, string> } | 'hang';

async function serve(check: (request: ModelRequestSeen, url: string, method: string) => string[], answer: (scripted: Scripted, request: ModelRequestSeen, n: number) => Reply, base: (port: number) => string): Promise<ModelServer> {
  const requests: ModelRequestSeen[] = [];
  const problems: string[] = [];
  let queue: (Scripted | ((request: ModelRequestSeen) => Scripted))[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = null;
      }
      const request = { headers: req.headers, body };
      requests.push(request);
      const found = check(request, req.url ?? '', req.method ?? '');
      problems.push(...found.map((p) => `request ${requests.length}: ${p}`));
      const next = queue.shift() ?? { text: 'ok' };
      const scripted = typeof next === 'function' ? next(request) : next;
      const reply = answer(scripted, request, requests.length);
      if (reply === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: base(port),
    requests,
    problems,
    script: (...replies) => {
      queue = replies;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
    },
  };
}

const toolName = /^[a-zA-Z0-9_-]{1,64}$/;
const approxTokens = (value: unknown) => Math.ceil(JSON.stringify(value ?? '').length / 4);
// Quick retries in tests: both client libraries honour `retry-after-ms`.
const retryNow = { 'retry-after-ms': '5' };

export function startOpenAiServer(apiKey = 'sk-test'): Promise<ModelServer> {
  const check = (request: ModelRequestSeen, url: string, method: string): string[] => {
    const p: string[] = [];
    const body = request.body;
    if (method !== 'POST' || url !== '/v1/chat/completions') p.push(`${method} ${url} is not POST /v1/chat/completions`);
    if (!String(request.headers['content-type']).startsWith('application/json')) p.push('content-type is not JSON');
    if (!body || typeof body !== 'object') return [...p, 'body is not a JSON object'];
    if (typeof body.model !== 'string' || !body.model) p.push('model is missing');
    if (!Array.isArray(body.messages) || body.messages.length === 0) return [...p, 'messages is empty'];
    if (body.messages[0].role !== 'system') p.push('messages[0] is not the system message');
    const callIds = new Set<string>();
    body.messages.forEach((m: any, i: number) => {
      if (!['system', 'user', 'assistant', 'tool'].includes(m.role)) p.push(`messages[${i}].role ${m.role}`);
      if (m.role === 'user' && typeof m.content !== 'string') p.push(`messages[${i}].content is not a string`);
      for (const call of m.tool_calls ?? []) {
        if (call.type !== 'function' || typeof call.function?.name !== 'string' || typeof call.function?.arguments !== 'string') p.push(`messages[${i}].tool_calls entry malformed`);
        callIds.add(call.id);
      }
      if (m.role === 'tool' && (!callIds.has(m.tool_call_id) || typeof m.content !== 'string')) p.push(`messages[${i}] answers unknown tool_call_id ${m.tool_call_id}`);
    });
    for (const [i, tool] of (body.tools ?? []).entries()) {
      if (tool.type !== 'function' || !toolName.test(tool.function?.name ?? '') || tool.function?.parameters?.type !== 'object') p.push(`tools[${i}] malformed`);
    }
    return p;
  };
  const answer = (scripted: Scripted, request: ModelRequestSeen, n: number): Reply => {
    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      return { status: 401, body: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } };
    }
    if ('hang' in scripted) return 'hang';
    if ('error' in scripted) {
      if (scripted.error === 'unauthorized') return { status: 401, body: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } };
      if (scripted.error === 'rate_limited') return { status: 429, headers: retryNow, body: { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } } };
      return { status: 500, headers: retryNow, body: { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } } };
    }
    const calls = (scripted.toolCalls ?? []).map((call, i) => ({
      id: `call_${n}_${i}`,
      type: 'function',
      function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
    }));
    const text = scripted.text ?? (calls.length > 0 ? null : '');
    return {
      status: 200,
      body: {
        id: `chatcmpl-${n}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.body?.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text, ...(calls.length > 0 ? { tool_calls: calls } : {}), refusal: null }, finish_reason: calls.length > 0 ? 'tool_calls' : 'stop', logprobs: null }],
        usage: { prompt_tokens: approxTokens(request.body?.messages), completion_tokens: approxTokens(text) + calls.length * 10, total_tokens: 0 },
      },
    };
  };
  return serve(check, answer, (port) => `http://127.0.0.1:${port}/v1`);
}

export function startAnthropicServer(apiKey = 'sk-ant-test'): Promise<ModelServer> {
  const check = (request: ModelRequestSeen, url: string, method: string): string[] => {
    const p: string[] = [];
    const body = request.body;
    if (method !== 'POST' || url !== '/v1/messages') p.push(`${method} ${url} is not POST /v1/messages`);
    if (!request.headers['anthropic-version']) p.push('anthropic-version header is missing');
    if (!body || typeof body !== 'object') return [...p, 'body is not a JSON object'];
    if (typeof body.model !== 'string' || !body.model) p.push('model is missing');
    if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) p.push('max_tokens is missing');
    if (body.system !== undefined && typeof body.system !== 'string') p.push('system is not a string');
    if (!Array.isArray(body.messages) || body.messages.length === 0) return [...p, 'messages is empty'];
    if (body.messages[0].role !== 'user') p.push('messages[0] is not a user message');
    body.messages.forEach((m: any, i: number) => {
      if (m.role !== 'user' && m.role !== 'assistant') p.push(`messages[${i}].role ${m.role}`);
      if (i > 0 && body.messages[i - 1].role === m.role) p.push(`messages[${i}] does not alternate roles`);
      const blocks = typeof m.content === 'string' ? [] : m.content;
      if (!Array.isArray(blocks)) return p.push(`messages[${i}].content malformed`);
      const results = blocks.filter((b: any) => b.type === 'tool_result');
      if (results.length > 0) {
        const previous = body.messages[i - 1];
        const uses = (Array.isArray(previous?.content) ? previous.content : []).filter((b: any) => b.type === 'tool_use').map((b: any) => b.id);
        for (const r of results) if (!uses.includes(r.tool_use_id)) p.push(`messages[${i}] tool_result for unknown tool_use_id ${r.tool_use_id}`);
        for (const id of uses) if (!results.some((r: any) => r.tool_use_id === id)) p.push(`messages[${i}] has no tool_result for ${id}`);
      }
      for (const b of blocks) if (b.type === 'tool_use' && (typeof b.input !== 'object' || !toolName.test(b.name))) p.push(`messages[${i}] tool_use malformed`);
    });
    for (const [i, tool] of (body.tools ?? []).entries()) {
      if (!toolName.test(tool.name ?? '') || tool.input_schema?.type !== 'object') p.push(`tools[${i}] malformed`);
    }
    return p;
  };
  const error = (status: number, type: string, message: string, headers?: Record<string, string>): Reply => ({ status, headers, body: { type: 'error', error: { type, message } } });
  const answer = (scripted: Scripted, request: ModelRequestSeen, n: number): Reply => {
    if (request.headers['x-api-key'] !== apiKey) return error(401, 'authentication_error', 'invalid x-api-key');
    if ('hang' in scripted) return 'hang';
    if ('error' in scripted) {
      if (scripted.error === 'unauthorized') return error(401, 'authentication_error', 'invalid x-api-key');
      if (scripted.error === 'rate_limited') return error(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', retryNow);
      return error(500, 'api_error', 'Internal server error', retryNow);
    }
    const content: unknown[] = [];
    if (scripted.text) content.push({ type: 'text', text: scripted.text });
    (scripted.toolCalls ?? []).forEach((call, i) => content.push({ type: 'tool_use', id: `toolu_${n}_${i}`, name: call.name, input: call.arguments }));
    const usesTools = (scripted.toolCalls ?? []).length > 0;
    return {
      status: 200,
      body: {
        id: `msg_${n}`,
        type: 'message',
        role: 'assistant',
        model: request.body?.model,
        content,
        stop_reason: usesTools ? 'tool_use' : 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: approxTokens(request.body?.messages) + approxTokens(request.body?.system), output_tokens: approxTokens(content) },
      },
    };
  };
  return serve(check, answer, (port) => `http://127.0.0.1:${port}`);
}

/** Text of what the model was sent, system prompt and messages, for assertions on the context. */
export function seenText(request: ModelRequestSeen): { system: string; messages: string } {
  const body = request.body;
  const blockText = (content: any): string =>
    typeof content === 'string' ? content : (content ?? []).map((b: any) => b.text ?? b.content ?? JSON.stringify(b.input ?? '')).join('\n');
  if (typeof body.system === 'string') return { system: body.system, messages: body.messages.map((m: any) => `${m.role}: ${blockText(m.content)}`).join('\n') };
  const [system, ...rest] = body.messages;
  return { system: system.content, messages: rest.map((m: any) => `${m.role}: ${blockText(m.content)}`).join('\n') };
}
