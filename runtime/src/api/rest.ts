// The REST API over plain Node request/response objects, generated from the operations table:
// resource routes (routes.ts), the OpenAPI document, and the older `POST /operations/<name>`
// alias. Every call goes through the gateway (token, scope, rate, binding) and the engine's
// `call` (schema and rules), so nothing here decides what an operation may do.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../engine';
import { RoomwireError, invalid } from '../errors';
import { ClientGoneError, MAX_BODY_BYTES, readBody, sendJson, type HttpHandlerOptions } from '../http/handlers';
import { findOperation, listOperations, type Operation } from '../operations';
import { ApiGateway } from './gateway';
import { IdempotencyKeys, fingerprint } from './idempotency';
import { openApiDocument } from './openapi';
import { buildRoutes, matchRoute, mergeInput, queryInput } from './routes';
import type { ApiTokenConfig, Principal } from './tokens';

export interface RestOptions extends HttpHandlerOptions {
  tokens: ApiTokenConfig[];
  /** The version shown in the OpenAPI document. */
  version?: string;
  now?: () => number;
}

/** `params.path` is the path below the API root (`/rooms/r1/events`). */
export type RestHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => Promise<void>;

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,256}$/;

export function createRestHandler(engine: Engine, options: RestOptions): RestHandler & { gateway: ApiGateway } {
  const gateway = new ApiGateway(engine, options.tokens, options.now);
  const idempotency = new IdempotencyKeys(engine.idempotencyRecords, options.now, options.onError);
  const routes = buildRoutes();
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;

  async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const raw = await readBody(req, maxBody);
    if (raw.length === 0) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw invalid('body', 'is not valid JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('body', 'must be a JSON object');
    return parsed as Record<string, unknown>;
  }

  async function execute(req: IncomingMessage, res: ServerResponse, principal: Principal, op: Operation<unknown, unknown>, input: Record<string, unknown>, path: string): Promise<void> {
    const key = req.headers['idempotency-key'];
    if (!op.mutates || key === undefined) {
      sendJson(res, 200, await gateway.call(principal, op.name, input));
      return;
    }
    if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) throw invalid('Idempotency-Key', 'must be 1 to 256 visible ASCII characters');
    // Checked before it is fingerprinted: the fingerprint walks the whole input, and one nested
    // thousands of levels deep must be refused naming its field, as it is without a key.
    op.validate(input);
    const properties = (op.input.properties ?? {}) as Record<string, unknown>;
    // Event writes also carry the key into the store, where it outlives a restart.
    const call = 'idempotencyKey' in properties && input.idempotencyKey === undefined ? { ...input, idempotencyKey: key } : input;
    // One key per token, method and path: the same key on another resource is another request.
    const scope = fingerprint([principal.id, req.method, path, key]);
    const answer = await idempotency.run(scope, fingerprint([op.name, input]), async () => ({
      status: 200,
      body: await gateway.call(principal, op.name, call),
    }));
    if (answer.replayed) res.setHeader('idempotent-replayed', 'true');
    sendJson(res, answer.status, answer.body);
  }

  async function serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (path === '/openapi.json') {
      if (method !== 'GET') throw Object.assign(new RoomwireError('method_not_allowed', 'use GET', 'method'), { allow: ['GET'] });
      const full = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
      sendJson(res, 200, openApiDocument(full.split('?')[0]!.replace(/\/openapi\.json$/, ''), options.version ?? '0.0.0'));
      return;
    }
    const principal = gateway.admit(req.headers.authorization);
    const alias = /^\/operations(?:\/([^/]+))?\/?$/.exec(path);
    if (alias) {
      // The older surface, kept as an alias: `GET /operations` lists, `POST /operations/<name>` runs one.
      if (!alias[1]) {
        if (method !== 'GET') throw Object.assign(new RoomwireError('method_not_allowed', 'use GET', 'method'), { allow: ['GET'] });
        sendJson(res, 200, { operations: listOperations().map((op) => ({ name: op.name, description: op.description, mutates: op.mutates, input: op.input, http: op.api?.http })) });
        return;
      }
      if (method !== 'POST') throw Object.assign(new RoomwireError('method_not_allowed', 'operations are called with POST', 'method'), { allow: ['POST'] });
      const op = findOperation(alias[1]);
      gateway.checkScope(principal, op);
      await execute(req, res, principal, op, await jsonBody(req), path);
      return;
    }
    const { route, params } = matchRoute(routes, method, path);
    gateway.checkScope(principal, route.operation);
    const rest = method === 'GET' || method === 'DELETE' ? queryInput(route.operation, url.searchParams) : await jsonBody(req);
    await execute(req, res, principal, route.operation, mergeInput(params, rest), path);
  }

  const handler = async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => {
    try {
      await serve(req, res, params.path || '/');
    } catch (error) {
      if (error instanceof ClientGoneError) return options.onDebug?.(error.message);
      if (!(error instanceof RoomwireError)) {
        options.onError?.(error);
        return sendJson(res, 500, { error: { code: 'internal', message: 'internal error' } });
      }
      const extra = error as RoomwireError & { allow?: string[]; retryAfter?: number };
      if (extra.allow) res.setHeader('allow', extra.allow.join(', '));
      if (extra.retryAfter !== undefined) res.setHeader('retry-after', String(extra.retryAfter));
      if (error.code === 'unauthorized') res.setHeader('www-authenticate', 'Bearer');
      // A body nobody read is drained so the connection stays usable.
      if (!req.complete) req.resume();
      sendJson(res, error.httpStatus, error.toJSON());
    }
  };
  return Object.assign(handler, { gateway });
}

/**
 * The older REST surface (`GET <root>/api/operations`, `POST <root>/api/operations/:name`) with its
 * single `apiToken`, which may write and audit without a rate limit, as before tokens had scopes:
 * the same handler, reached through the alias.
 */
export function createOperationsHandler(engine: Engine, options: HttpHandlerOptions & { apiToken?: string } = {}): RestHandler {
  const { apiToken, ...rest } = options;
  const handler = createRestHandler(engine, { ...rest, tokens: apiToken ? [{ token: apiToken, scope: ['write', 'audit'], name: 'apiToken', ratePerMinute: Infinity }] : [] });
  return (req, res, params) => handler(req, res, { path: params.name ? `/operations/${params.name}` : '/operations' });
}
