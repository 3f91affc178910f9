// The agent inbox of an engine (nodes/lib/inbox/handler.ts) on a bare loopback HTTP server under
// the path the engine node gives it, its sessions in the engine's store, its live streams dropped
// at will; customers writing in it, and signing in to it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAgentInboxProvider, FlowProvider, type Binding, type Engine, type RoomEvent } from '../../runtime/src';
import { AgentAccounts, parseAgentAccounts, type AgentCredentials } from '../../nodes/lib/inbox/accounts';
import { createInboxHandler, type InboxOptions } from '../../nodes/lib/inbox/handler';
import { AgentSessions } from '../../nodes/lib/inbox/sessions';
import { until } from './wait';

export const INBOX_BASE = '/api/roomwire/inbox';
/** The engine's channel of agents the inbox acts through. */
export const AGENT_CHANNEL = 'agent-inbox';
const HOUR = 60 * 60 * 1000;

export interface InboxServer {
  /** The inbox page's address (no trailing slash). */
  url: string;
  /** The agent accounts from now on (a redeploy of the engine node). */
  setAccounts(credentials: AgentCredentials): void;
  /**
   * Ends the live-update streams open now (a proxy's timeout, a network blip) and keeps new ones
   * from starting until `meanwhile` is done, so no stream announces what it commits: pages learn
   * of it only by reading again. New streams wait, as after a reconnect that comes back late, or
   * with `refuse` are answered 503, as a proxy answers while Node-RED restarts, until one was.
   */
  dropLiveStreams<T>(meanwhile: () => Promise<T>, options?: { refuse?: boolean }): Promise<T>;
  close(): Promise<void>;
}

/** The engine's channels the inbox needs: the agents' and a web chat one for customers (`chat`). */
export async function registerInboxChannels(engine: Engine): Promise<void> {
  await engine.registerChannel({ id: AGENT_CHANNEL, type: 'agent', provider: createAgentInboxProvider(), profile: 'webhook', info: { audience: 'internal' } });
  await engine.registerChannel({ id: 'chat', type: 'webchat', provider: new FlowProvider() });
}

/** A new room with one web chat customer: the customer's way to write. */
export async function customerRoom(engine: Engine, roomId: string, name: string): Promise<(text: string) => Promise<RoomEvent>> {
  const { bindings } = await engine.call<{ bindings: Binding[] }>('createRoom', { id: roomId, bindings: [{ channelId: 'chat', address: `visitor-${roomId}`, displayName: name }] });
  return async (text) => (await engine.call<{ event: RoomEvent }>('sendEvent', { roomId, bindingId: bindings[0]!.id, content: { type: 'text', text } })).event;
}

/** Sessions last 8 hours by `clock`; a handler error fails the test that caused it. */
export async function serveInbox(
  engine: Engine,
  credentials: AgentCredentials,
  clock: () => number = Date.now,
  loginLimits?: InboxOptions['loginLimits'],
): Promise<InboxServer> {
  const sessions = new AgentSessions(async () => engine.agentSessions, INBOX_BASE, 8 * HOUR, clock);
  const build = (accounts: AgentCredentials) =>
    createInboxHandler({
      engine: async () => engine,
      accounts: new AgentAccounts(parseAgentAccounts(accounts, () => undefined)),
      sessions,
      agentChannelId: AGENT_CHANNEL,
      basePath: INBOX_BASE,
      loginLimits,
      onError: (error) => {
        throw error;
      },
    });
  let handler = build(credentials);
  const liveStreams = new Set<ServerResponse>();
  let down: { back: Promise<void>; refuse: boolean; refused: number } | undefined;
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const subpath = (req.url ?? '/').slice(INBOX_BASE.length);
    if (subpath === '/api/events') {
      if (down?.refuse) {
        down.refused++;
        res.writeHead(503).end();
        return;
      }
      await down?.back;
      liveStreams.add(res);
      res.on('close', () => liveStreams.delete(res));
    }
    await handler(req, res, subpath);
  };
  const server: Server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${INBOX_BASE}`,
    setAccounts: (accounts) => (handler = build(accounts)),
    async dropLiveStreams(meanwhile, { refuse = false } = {}) {
      // Dropping nothing would test nothing.
      await until(() => liveStreams.size > 0, 'a live stream to drop');
      let comeBack!: () => void;
      const now = { back: new Promise<void>((resolve) => (comeBack = resolve)), refuse, refused: 0 };
      down = now;
      // A stream is down once closed: the handler has stopped following the engine for it.
      await Promise.all([...liveStreams].map((res) => new Promise((closed) => res.once('close', closed).destroy())));
      try {
        const committed = await meanwhile();
        if (refuse) await until(() => now.refused > 0, 'a live stream refused');
        return committed;
      } finally {
        down = undefined;
        comeBack();
      }
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // A live-update stream stays open until its page goes: it must not hold the close up.
        server.closeAllConnections();
      }),
  };
}

/** Signs in with a password: the cookie to send back and the CSRF token, as the page gets them. */
export async function signIn(inbox: Pick<InboxServer, 'url'>, user: string, password: string) {
  const res = await fetch(`${inbox.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
  const cookie = res.headers.get('set-cookie') ?? '';
  const body = (await res.json()) as { user?: string; csrf?: string };
  return { status: res.status, setCookie: cookie, cookie: cookie.split(';')[0]!, csrf: body.csrf ?? '', body };
}
