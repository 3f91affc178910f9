// The inbox routes on Node-RED's HTTP In app, mounted once per app and engine path prefix (Express
// cannot remove a route safely): each request goes to the inbox that serves the prefix now, so a
// redeploy swaps the handler under the same route. Agent sessions live in the engine's store, by
// prefix, so they outlive redeploys and restarts; the accounts are checked again on every request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '@roomwire/runtime';
import { pathBelow } from '../raw-path';
import type { Express } from 'express';
import type { InboxHandler } from './handler';

interface Served {
  owner: string;
  handler: InboxHandler;
}

interface AppInboxes {
  served: Map<string, Served>;
}

const byApp = new WeakMap<Express, AppInboxes>();

function inboxesOf(app: Express): AppInboxes {
  let inboxes = byApp.get(app);
  if (!inboxes) byApp.set(app, (inboxes = { served: new Map() }));
  return inboxes;
}

/** The URL path of the inbox under `prefix` as browsers see it (the HTTP In app's mount path first). */
export function inboxBasePath(app: Express, prefix: string): string {
  return `${app.path().replace(/\/+$/, '')}${prefix}/inbox`;
}

/** Serves the inbox of engine node `owner` under `<prefix>/inbox` until the returned release is called. */
export function serveInbox(app: Express, prefix: string, owner: string, handler: InboxHandler): () => void {
  const { served } = inboxesOf(app);
  const current = served.get(prefix);
  if (current && current.owner !== owner) throw new Error(`the HTTP path prefix ${prefix} is already served by engine node ${current.owner}`);
  mount(app, prefix, served);
  served.set(prefix, { owner, handler });
  return () => {
    if (served.get(prefix)?.handler === handler) served.delete(prefix);
  };
}

function notServed(prefix: string): InboxHandler {
  return async (_req, res) => sendJson(res, 404, { error: { code: 'not_found', message: `no Roomwire engine serves ${prefix} now` } });
}

const mounted = new WeakMap<Express, Set<string>>();

function mount(app: Express, prefix: string, served: Map<string, Served>): void {
  const done = mounted.get(app) ?? new Set<string>();
  mounted.set(app, done);
  if (done.has(prefix)) return;
  done.add(prefix);
  const dispatch = (req: IncomingMessage & { params: Record<string, string> }, res: ServerResponse) => {
    const handler = served.get(prefix)?.handler ?? notServed(prefix);
    const query = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
    void handler(req, res, `${pathBelow(req, `${prefix}/inbox`)}${query}`);
  };
  // `/inbox` alone redirects to `/inbox/`, so the page's relative URLs resolve under it.
  app.get(`${prefix}/inbox`, (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    // Express matches `/inbox/` here too (non-strict routing): that one is the page.
    if ((req.url ?? '').split('?')[0]!.endsWith('/')) return next();
    res.statusCode = 301;
    res.setHeader('location', `${inboxBasePath(app, prefix)}/`);
    res.end();
  });
  app.all(`${prefix}/inbox/*`, dispatch);
}
