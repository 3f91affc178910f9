// The engines' HTTP entry points on Node-RED's HTTP In app (RED.httpNode, Express 4):
//   <prefix>/webhook/:channelId           provider webhooks (POST; other methods get a JSON 400)
//   <prefix>/api/*                        the REST API and its OpenAPI document (lib/api-surfaces.ts);
//                                         `api/operations[/:name]` is the older alias
//   <prefix>/api/docs[/:file]             the API docs page (lib/api-docs.ts)
//   <prefix>/mcp                          the MCP server (Streamable HTTP)
// A redeploy must not stack a second copy of a route, and Express cannot remove a route safely
// while requests are in flight; so routes are mounted once per app and prefix, and each request is
// dispatched to the engine that serves the prefix at that moment.
//
// The routes read the raw body themselves (signatures cover the exact bytes). Node-RED mounts the
// editor's app before the HTTP In app, and when the editor's root covers ours (both are '/' by
// default) its body parsers would consume every JSON body first; a guard at the top of the root app
// marks our requests as parsed so that body parsers leave them alone, as core `http in` does for
// its "do not parse the body" routes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, type createWebhookHandler } from '@roomwire/runtime';
import type { Express } from 'express';
import { serveApiDocs } from './api-docs';
import type { ApiSurfaces } from './api-surfaces';
import { pathBelow } from './raw-path';

export interface RouteHandlers extends ApiSurfaces {
  webhook: ReturnType<typeof createWebhookHandler>;
}

interface Served {
  owner: string;
  /** Resolves once the engine is open; rejects when it cannot open. */
  handlers: () => Promise<RouteHandlers>;
}

interface AppRoutes {
  mounted: Set<string>;
  served: Map<string, Served>;
}

const routesByApp = new WeakMap<Express, AppRoutes>();

/** A leading slash, no trailing slash, URL-safe characters only. */
export function normalisePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').trim().replace(/\/+$/, '');
  const withSlash = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(withSlash)) throw new Error(`the HTTP path prefix ${JSON.stringify(prefix)} is not a plain URL path`);
  return withSlash;
}

/** Serves `prefix` for the engine node `owner` until the returned release is called. */
export function serveRoutes(app: Express, prefix: string, owner: string, handlers: () => Promise<RouteHandlers>): () => void {
  let routes = routesByApp.get(app);
  if (!routes) {
    routes = { mounted: new Set(), served: new Map() };
    routesByApp.set(app, routes);
  }
  const current = routes.served.get(prefix);
  if (current && current.owner !== owner) throw new Error(`the HTTP path prefix ${prefix} is already served by engine node ${current.owner}`);
  if (!routes.mounted.has(prefix)) mount(app, prefix, routes);
  routes.served.set(prefix, { owner, handlers });
  const served = routes.served;
  return () => {
    if (served.get(prefix)?.owner === owner) served.delete(prefix);
  };
}

/** The parts of an Express app used to put a middleware first, as core `http in` does. */
interface RootApp {
  use(handler: unknown): unknown;
  _router: { stack: { handle: unknown }[] };
}

/** The top-level Express app that `app` is mounted in (Node-RED's server app), or `app` itself. */
export function rootOf(app: Express): RootApp {
  let current: { parent?: unknown } = app as unknown as { parent?: unknown };
  while (current.parent) current = current.parent as { parent?: unknown };
  return current as unknown as RootApp;
}

/** Keeps body parsers mounted before `app` (the editor's) away from the bodies of our routes. */
function guardBodies(app: Express, routes: AppRoutes): void {
  const base = app.path().replace(/\/+$/, '');
  const guard = (req: IncomingMessage & { _body?: boolean }, _res: ServerResponse, next: () => void) => {
    // Express matches routes case-insensitively, so must the guard.
    const path = (req.url ?? '').split('?')[0]!.toLowerCase();
    for (const prefix of routes.mounted) {
      // body-parser skips a request whose `_body` is set (body-parser/lib/types/json.js).
      if (path.startsWith(`${base}${prefix}/`.toLowerCase())) req._body = true;
    }
    next();
  };
  const root = rootOf(app);
  root.use(guard);
  const stack = root._router.stack;
  const index = stack.findIndex((layer) => layer.handle === guard);
  stack.unshift(...stack.splice(index, 1));
}

function mount(app: Express, prefix: string, routes: AppRoutes): void {
  if (routes.mounted.size === 0) guardBodies(app, routes);
  const dispatch = (kind: keyof RouteHandlers) => (req: IncomingMessage & { params: Record<string, string> }, res: ServerResponse) => {
    // `/api/*`: the REST handler routes the rest of the path itself.
    const params = kind === 'api' ? { path: pathBelow(req, `${prefix}/api`) } : req.params;
    const served = routes.served.get(prefix);
    if (!served) {
      sendJson(res, 404, { error: { code: 'not_found', message: `no Roomwire engine serves ${prefix} now` } });
      return;
    }
    void served.handlers().then(
      (handlers) => (handlers[kind] as RouteHandlers['webhook'])(req, res, params),
      () => sendJson(res, 503, { error: { code: 'unavailable', message: 'the Roomwire engine could not open its database' } }),
    );
  };
  app.all(`${prefix}/webhook/:channelId`, dispatch('webhook'));
  const docs = (req: IncomingMessage & { params: Record<string, string> }, res: ServerResponse) => void serveApiDocs(req, res).catch(() => sendJson(res, 500, { error: { code: 'internal', message: 'the docs page is missing' } }));
  app.get(`${prefix}/api/docs`, docs);
  app.get(`${prefix}/api/docs/:file`, docs);
  app.all(`${prefix}/api/*`, dispatch('api'));
  app.all(`${prefix}/mcp`, dispatch('mcp'));
  routes.mounted.add(prefix);
}
