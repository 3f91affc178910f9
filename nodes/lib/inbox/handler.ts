// The agent inbox over HTTP, under <httpNodeRoot><engine prefix>/inbox:
//   GET  /                 the page (static HTML, CSS and JS from nodes/inbox/)
//   POST /login            {user, password} → session cookie      GET /signin?token=  one-time link
//   POST /api/logout
//   GET  /api/session      who is signed in (and the CSRF token), or 401 saying whether accounts exist
//   GET  /api/rooms        ?filter=&search=                        GET /api/rooms/:id  ?fromIndex=
//   POST /api/rooms/:id/{reply,note,read,assign,state}            POST /api/bindings/:id/mute
//   GET  /api/events       server-sent events: which rooms changed (event `resync`: any may have)
// Every /api request needs a live session; every POST needs a JSON body and the session's CSRF
// token in X-Roomwire-CSRF (a cross-site form can send neither). Everything an agent does is an
// operation of the engine, through the agent's own binding.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { canSeeInHistory, clientAddress, pathSegments, prospectiveAgentBinding, readBody, RoomwireError, sendJson, type Binding, type Engine, type Notification } from '@roomwire/runtime';
import type { AgentAccounts } from './accounts';
import { sameSecret, type AgentSession, type AgentSessions } from './sessions';
import { consumeSigninToken } from './signin-link';

export interface InboxOptions {
  engine: () => Promise<Engine>;
  accounts: AgentAccounts;
  sessions: AgentSessions;
  agentChannelId: string;
  /** The URL path of the inbox (the cookie is sent nowhere else). */
  basePath: string;
  onError: (error: unknown) => void;
  /** Failed sign-ins allowed per window (the defaults suit production; tests lower them). */
  loginLimits?: { perAccount: number; perAddress: number };
}

export type InboxHandler = (req: IncomingMessage, res: ServerResponse, subpath: string) => Promise<void>;

/** The handler of one engine node's inbox, and the end of its live streams when that node stops. */
export type InboxService = InboxHandler & {
  /** Ends every live stream: the pages reconnect to whichever engine serves the inbox then, and read again. */
  endStreams(): void;
};

export const SESSION_COOKIE = 'roomwire_agent';
export const CSRF_HEADER = 'x-roomwire-csrf';
const MAX_BODY = 64 * 1024;
/**
 * Failed sign-ins allowed per window: per account name from one client address, and in all from
 * one address. Behind a reverse proxy every agent shares one address; counted per address alone,
 * ten wrong guesses at any name locked every agent out.
 */
const LOGIN_FAILURES = { perAccount: 10, perAddress: 100, windowMs: 5 * 60 * 1000 };
/** Past this many counters, the ones whose last failure is out of the window are dropped. */
const FAILURE_KEYS_SWEPT_AT = 10_000;
const KEEPALIVE_MS = 25_000;

const PAGE_DIR = path.join(__dirname, '..', '..', 'inbox');
const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/inbox.js': { file: 'inbox.js', type: 'text/javascript; charset=utf-8' },
  '/inbox.css': { file: 'inbox.css', type: 'text/css; charset=utf-8' },
};
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function unauthorized(message: string): RoomwireError {
  return new RoomwireError('unauthorized', message, 'session');
}

function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

function isHttps(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true || req.headers['x-forwarded-proto'] === 'https';
}

function sessionCookie(req: IncomingMessage, basePath: string, value: string, maxAgeSeconds: number): string {
  return [`${SESSION_COOKIE}=${value}`, `Path=${basePath}`, `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict', ...(isHttps(req) ? ['Secure'] : [])].join('; ');
}

/** What the live stream tells the page of a notification: the room that changed, or that any may have, or nothing. */
function liveMessage(notification: Notification, staff: Binding): string | null {
  // The engine lost track of other engines' changes (a resync): the page reads its rooms again.
  if (notification.kind === 'resync') return 'event: resync\ndata: {}\n\n';
  if (notification.kind !== 'event' || !canSeeInHistory(staff, notification.event)) return null;
  return `data: ${JSON.stringify({ roomId: notification.roomId, index: notification.event.index })}\n\n`;
}

export function createInboxHandler(options: InboxOptions): InboxService {
  const { accounts, sessions } = options;
  const failures = new Map<string, number[]>();
  /** Open live streams: they hear this handler's engine, so they end when it stops serving. */
  const streams = new Set<ServerResponse>();
  const limits = options.loginLimits ?? LOGIN_FAILURES;
  const pages = new Map<string, Buffer>();
  const page = (file: string) => {
    let body = pages.get(file);
    if (!body) pages.set(file, (body = readFileSync(path.join(PAGE_DIR, file))));
    return body;
  };

  function send(res: ServerResponse, status: number, body: unknown): void {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    sendJson(res, status, body);
  }

  async function currentSession(req: IncomingMessage): Promise<AgentSession> {
    if (accounts.size === 0) throw unauthorized('no agent accounts are configured');
    const session = await sessions.get(cookies(req).get(SESSION_COOKIE));
    if (!session) throw unauthorized('sign in first (no session, or it expired)');
    // An account removed since sign-in (a redeploy of the engine node) ends its sessions.
    if (!accounts.has(session.user)) {
      await sessions.destroy(session.id);
      throw unauthorized('this agent account no longer exists');
    }
    return session;
  }

  async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      throw new RoomwireError('invalid_input', 'must be application/json', 'content-type');
    }
    const raw = (await readBody(req, MAX_BODY)).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw || '{}');
    } catch {
      throw new RoomwireError('invalid_input', 'is not valid JSON', 'body');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new RoomwireError('invalid_input', 'must be a JSON object', 'body');
    return parsed as Record<string, unknown>;
  }

  function checkCsrf(req: IncomingMessage, session: AgentSession): void {
    const presented = req.headers[CSRF_HEADER];
    if (typeof presented !== 'string' || !sameSecret(presented, session.csrf)) {
      throw new RoomwireError('forbidden', 'missing or wrong CSRF token', CSRF_HEADER);
    }
  }

  /**
   * The failures counted under `key` within the window, oldest first. Pruned in place: a sign-in
   * still checking its password holds this array, to take its count back if it succeeds.
   */
  function recentFailures(key: string, now: number): number[] {
    let times = failures.get(key);
    if (!times) failures.set(key, (times = []));
    while (times.length > 0 && now - times[0]! >= LOGIN_FAILURES.windowMs) times.shift();
    return times;
  }

  function sweepFailures(now: number): void {
    if (failures.size < FAILURE_KEYS_SWEPT_AT) return;
    for (const [key, times] of failures) if (times.every((t) => now - t >= LOGIN_FAILURES.windowMs)) failures.delete(key);
  }

  async function startSession(req: IncomingMessage, res: ServerResponse, user: string): Promise<AgentSession> {
    const session = await sessions.create(user);
    res.setHeader('set-cookie', sessionCookie(req, options.basePath, session.id, Math.floor(sessions.ttlMs / 1000)));
    return session;
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await jsonBody(req);
    const user = typeof body.user === 'string' ? body.user : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const address = clientAddress(req);
    const now = Date.now();
    sweepFailures(now);
    const counters = [recentFailures(`${address}\0${user}`, now), recentFailures(address, now)];
    if (counters[0]!.length >= limits.perAccount || counters[1]!.length >= limits.perAddress) {
      send(res, 429, { error: { code: 'rate_limited', message: 'too many failed sign-ins; wait a few minutes' } });
      return;
    }
    // Counted before the password is checked (it takes a while): guesses sent together cannot
    // all pass the limit before the first of them is counted. A success takes its count back.
    for (const times of counters) times.push(now);
    if (!(await accounts.verify(user, password))) throw unauthorized('unknown user or wrong password');
    for (const times of counters) times.splice(times.lastIndexOf(now), 1);
    const session = await startSession(req, res, user);
    send(res, 200, { user, csrf: session.csrf });
  }

  async function signinLink(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const user = consumeSigninToken(query.get('token') ?? '');
    if (user && accounts.has(user)) await startSession(req, res, user);
    // To the page either way: signed in, or showing the sign-in form.
    res.statusCode = 303;
    res.setHeader('location', `${options.basePath}/${user ? '' : '#link-expired'}`);
    res.setHeader('cache-control', 'no-store');
    res.end();
  }

  async function logout(req: IncomingMessage, res: ServerResponse, session: AgentSession): Promise<void> {
    await sessions.destroy(session.id);
    res.setHeader('set-cookie', sessionCookie(req, options.basePath, '', 0));
    send(res, 200, { signedOut: true });
  }

  /** Server-sent events: the ids of rooms where something the agent may see happened. */
  async function liveEvents(req: IncomingMessage, res: ServerResponse, session: AgentSession): Promise<void> {
    const engine = await options.engine();
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': connected\n\n');
    const staff = prospectiveAgentBinding('', { channelId: options.agentChannelId, agent: session.user });
    const unsubscribe = engine.subscribe((notification: Notification) => {
      const message = liveMessage(notification, staff);
      if (!message) return;
      // A client that stops reading is dropped rather than buffered for without bound.
      if (res.writableLength > 1024 * 1024) return res.destroy();
      res.write(message);
    });
    const keepalive = setInterval(() => {
      // Signed out (here or on another instance) or expired: the stream ends with the session.
      sessions.get(session.id).then(
        (live) => (live ? res.write(': keep-alive\n\n') : res.end()),
        () => undefined,
      );
    }, KEEPALIVE_MS);
    streams.add(res);
    res.on('close', () => {
      streams.delete(res);
      clearInterval(keepalive);
      unsubscribe();
    });
  }

  async function api(req: IncomingMessage, res: ServerResponse, route: string[], query: URLSearchParams): Promise<void> {
    const session = await currentSession(req);
    const ref = { channelId: options.agentChannelId, agent: session.user };
    const method = req.method ?? 'GET';
    if (method === 'GET') {
      if (route.join('/') === 'session') return send(res, 200, { user: session.user, csrf: session.csrf });
      if (route.join('/') === 'events') return liveEvents(req, res, session);
      const engine = await options.engine();
      if (route.length === 1 && route[0] === 'rooms') {
        const limit = query.get('limit');
        const input = { ...ref, filter: query.get('filter') || undefined, search: query.get('search') || undefined, ...(limit ? { limit: Number(limit) } : {}) };
        return send(res, 200, await engine.call('listAgentRooms', input));
      }
      if (route.length === 2 && route[0] === 'rooms') {
        const from = query.get('fromIndex');
        return send(res, 200, await engine.call('getAgentRoom', { ...ref, roomId: route[1], ...(from ? { fromIndex: Number(from) } : {}) }));
      }
      throw new RoomwireError('not_found', `no inbox route GET ${route.join('/')}`, 'path');
    }
    if (method !== 'POST') throw new RoomwireError('invalid_input', `${method} is not supported here`, 'method');
    checkCsrf(req, session);
    const body = await jsonBody(req);
    if (route.join('/') === 'logout') return logout(req, res, session);
    const engine = await options.engine();
    if (route.length === 3 && route[0] === 'bindings' && route[2] === 'mute') {
      return send(res, 200, await engine.call('updateBinding', { bindingId: route[1], muted: body.muted }));
    }
    if (route.length !== 3 || route[0] !== 'rooms') throw new RoomwireError('not_found', `no inbox route POST ${route.join('/')}`, 'path');
    const roomId = route[1]!;
    const asAgent = async () => (await engine.call<{ id: string }>('joinAsAgent', { ...ref, roomId })).id;
    switch (route[2]) {
      case 'reply':
        return send(res, 200, await engine.call('sendEvent', { roomId, bindingId: await asAgent(), content: { type: 'text', text: body.text } }));
      case 'note':
        return send(res, 200, await engine.call('addInternalNote', { roomId, bindingId: await asAgent(), content: { type: 'text', text: body.text } }));
      case 'read':
        return send(res, 200, await engine.call('markRead', { bindingId: await asAgent(), index: body.index }));
      case 'assign':
        return send(res, 200, await engine.call('assignRoom', { ...ref, roomId, assign: body.assign }));
      case 'state':
        if (body.state === 'closed') return send(res, 200, await engine.call('closeRoom', { roomId }));
        if (body.state === 'active') return send(res, 200, await engine.call('reopenRoom', { roomId }));
        throw new RoomwireError('invalid_input', 'must be "closed" or "active"', 'state');
      default:
        throw new RoomwireError('not_found', `no inbox action ${route[2]}`, 'path');
    }
  }

  const handler: InboxHandler = async (req, res, subpath) => {
    try {
      const url = new URL(subpath || '/', 'http://inbox.invalid');
      const pathname = url.pathname;
      const method = req.method ?? 'GET';
      if (method === 'GET' && STATIC[pathname]) {
        const { file, type } = STATIC[pathname]!;
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
        res.setHeader('content-type', type);
        res.end(page(file));
        return;
      }
      if (method === 'GET' && pathname === '/signin') return signinLink(req, res, url.searchParams);
      if (method === 'POST' && pathname === '/login') return await login(req, res);
      if (pathname.startsWith('/api/')) {
        if (pathname === '/api/session' && accounts.size === 0) {
          return send(res, 401, { error: { code: 'unauthorized', message: 'no agent accounts are configured', field: 'session' }, configured: false });
        }
        return await api(req, res, pathSegments(pathname.slice(5)), url.searchParams);
      }
      throw new RoomwireError('not_found', `nothing at ${pathname}`, 'path');
    } catch (error) {
      if (error instanceof RoomwireError) return send(res, error.httpStatus, { ...error.toJSON(), ...(error.code === 'unauthorized' ? { configured: accounts.size > 0 } : {}) });
      if ((error as Error)?.name === 'ClientGoneError') return;
      options.onError(error);
      send(res, 500, { error: { code: 'internal', message: 'internal error' } });
    }
  };
  return Object.assign(handler, {
    endStreams: () => {
      for (const res of streams) res.end();
    },
  });
}
