// The agent inbox of an engine (nodes/lib/inbox/handler.ts) on a bare loopback HTTP server under
// the path the engine node gives it, its sessions in the engine's store, and signing in to it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Engine } from '../../runtime/src';
import { AgentAccounts, parseAgentAccounts, type AgentCredentials } from '../../nodes/lib/inbox/accounts';
import { createInboxHandler } from '../../nodes/lib/inbox/handler';
import { AgentSessions } from '../../nodes/lib/inbox/sessions';

export const INBOX_BASE = '/api/roomwire/inbox';
/** The engine's channel of agents the inbox acts through. */
export const AGENT_CHANNEL = 'agent-inbox';
const HOUR = 60 * 60 * 1000;

export interface InboxServer {
  /** The inbox page's address (no trailing slash). */
  url: string;
  /** The agent accounts from now on (a redeploy of the engine node). */
  setAccounts(credentials: AgentCredentials): void;
  close(): Promise<void>;
}

/** Sessions last 8 hours by `clock`; a handler error fails the test that caused it. */
export async function serveInbox(engine: Engine, credentials: AgentCredentials, clock: () => number = Date.now): Promise<InboxServer> {
  const sessions = new AgentSessions(async () => engine.agentSessions, INBOX_BASE, 8 * HOUR, clock);
  const build = (accounts: AgentCredentials) =>
    createInboxHandler({
      engine: async () => engine,
      accounts: new AgentAccounts(parseAgentAccounts(accounts, () => undefined)),
      sessions,
      agentChannelId: AGENT_CHANNEL,
      basePath: INBOX_BASE,
      onError: (error) => {
        throw error;
      },
    });
  let handler = build(credentials);
  const server: Server = createServer((req, res) => void handler(req, res, (req.url ?? '/').slice(INBOX_BASE.length)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${INBOX_BASE}`,
    setAccounts: (accounts) => (handler = build(accounts)),
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
