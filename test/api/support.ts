// A real engine (SQLite in a temp dir, or any engine a test opened) behind a bare loopback HTTP
// server mounting the REST API at `/api/*` and the MCP server at `/mcp`, as the engine node mounts
// them on Node-RED; and the official SDK's MCP client connected to it.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createMcpHandler, createRestHandler, type ApiTokenConfig, type Engine } from '../../runtime/src';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { buildRoutes, matchRoute } from '../../runtime/src/api/routes';
import { openTestEngine, type TestEngine } from '../runtime/support/engine';

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const routes = buildRoutes();

/** Why a 200 answer does not match its operation's declared output schema, or null. */
function outputMismatch(method: string, path: string, body: unknown): string | null {
  const { route } = matchRoute(routes, method, path.split('?')[0]!);
  const validate = ajv.compile(route.operation.api!.output);
  return validate(body) ? null : `${route.operation.name}: ${ajv.errorsText(validate.errors)}`;
}

export const WRITE = 'write-token-0123456789';
export const READ = 'read-token-0123456789';
export const AUDIT = 'audit-token-0123456789';

/** The API of one engine over HTTP, and clients of it. */
export interface ApiEndpoints {
  url: string;
  errors: unknown[];
  /** 200 answers that did not match the operation's output schema (each call is checked). */
  outputMismatches: string[];
  /** One REST call: `rest('GET', '/rooms')`; a body object is sent as JSON. */
  rest(method: string, path: string, options?: { token?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  mcp(token: string): Promise<Client>;
  /** Closes the clients and the server, not the engine. */
  close(): Promise<void>;
}

export interface ApiServer extends ApiEndpoints {
  test: TestEngine;
}

export interface ApiServerOptions {
  maxBodyBytes?: number;
  maxSessionsPerToken?: number;
}

/** A SQLite test engine and its API; `extraTokens` may depend on what the engine holds (a token acting as a binding). */
export async function startApiServer(extraTokens: (test: TestEngine) => Promise<ApiTokenConfig[]> = async () => [], options: ApiServerOptions = {}): Promise<ApiServer> {
  const test = await openTestEngine();
  return { test, ...(await serveApi(test.engine, await extraTokens(test), options)) };
}

/** The API of `engine`, with the WRITE, READ and AUDIT tokens and `extraTokens`. */
export async function serveApi(engine: Engine, extraTokens: ApiTokenConfig[] = [], options: ApiServerOptions = {}): Promise<ApiEndpoints> {
  const errors: unknown[] = [];
  const tokens: ApiTokenConfig[] = [
    { token: WRITE, scope: ['write', 'audit'], name: 'writer' },
    { token: READ, scope: 'read', name: 'reader' },
    { token: AUDIT, scope: 'audit', name: 'auditor' },
    ...extraTokens,
  ];
  const rest = createRestHandler(engine, { tokens, maxBodyBytes: options.maxBodyBytes, onError: (e) => errors.push(e) });
  const mcp = createMcpHandler(rest.gateway, { maxSessionsPerToken: options.maxSessionsPerToken, onError: (e) => errors.push(e) });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (path.startsWith('/api/')) void rest(req, res, { path: path.slice(4) });
    else if (path === '/mcp') void mcp(req, res);
    else res.writeHead(404).end('{}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: Client[] = [];
  const outputMismatches: string[] = [];
  return {
    url,
    errors,
    outputMismatches,
    async rest(method, path, { token = WRITE, body, headers = {} } = {}) {
      const res = await fetch(`${url}/api${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      const parsed = text ? JSON.parse(text) : undefined;
      if (res.status === 200 && !path.startsWith('/operations') && path !== '/openapi.json') {
        const mismatch = outputMismatch(method, path, parsed);
        if (mismatch) outputMismatches.push(mismatch);
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async mcp(token) {
      const client = new Client({ name: 'roomwire-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await mcp.close();
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
    },
  };
}
