// Agent sign-in for the inbox (issue 11): every inbox request needs a live session of a configured
// agent; no session, a wrong password, an expired session and a session of an agent whose account
// is gone are refused, and mutating calls need the session's CSRF token. The inbox handler runs on
// a real HTTP server over a real engine; only the session clock is controlled.
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentInboxProvider, FlowProvider, type Engine } from '../../runtime/src';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_SLOTS, agentCredentials, agentCredentialTypes, hashAgentPassword, parseAgentAccounts, type AgentCredentials } from '../../nodes/lib/inbox/accounts';
import { CSRF_HEADER, SESSION_COOKIE } from '../../nodes/lib/inbox/handler';
import { consumeSigninToken, SIGNIN_ENV } from '../../nodes/lib/inbox/signin-link';
import { AGENT_CHANNEL, INBOX_BASE as BASE, registerInboxChannels, serveInbox, signIn, type InboxServer } from '../support/inbox-server';
import { cleanupAll, openTestEngine } from '../runtime/support/engine';

afterEach(cleanupAll);

const HOUR = 60 * 60 * 1000;
const ANA_PASSWORD = 'correct horse battery';
const BEN_PASSWORD = 'another long secret';
// Hashed once: bcrypt is slow on purpose.
const ANA = { user: 'ana', hash: hashAgentPassword(ANA_PASSWORD) };
const BEN = { user: 'ben', hash: hashAgentPassword(BEN_PASSWORD) };
const bothAgents = agentCredentials([ANA, BEN]);

interface Inbox extends InboxServer {
  engine: Engine;
  /** The engine's database file. */
  path: string;
  now: { value: number };
}

async function serveSqliteInbox(credentials: AgentCredentials = bothAgents, databasePath?: string): Promise<Inbox> {
  const { engine, path } = await openTestEngine(databasePath ? { path: databasePath } : {});
  await engine.registerChannel({ id: AGENT_CHANNEL, type: 'agent', provider: createAgentInboxProvider(), profile: 'webhook', info: { audience: 'internal' } });
  await engine.registerChannel({ id: 'chat', type: 'webchat', provider: new FlowProvider() });
  const now = { value: Date.now() };
  return { ...(await serveInbox(engine, credentials, () => now.value)), engine, path, now };
}

async function roomWithCustomerMessage(engine: Engine): Promise<string> {
  const { room, bindings } = await engine.call<{ room: { id: string }; bindings: { id: string }[] }>('createRoom', {
    bindings: [{ channelId: 'chat', address: 'visitor-1', displayName: 'Carla' }],
  });
  await engine.call('sendEvent', { roomId: room.id, bindingId: bindings[0]!.id, content: { type: 'text', text: 'hello?' } });
  return room.id;
}

describe('agent inbox sign-in', () => {
  it('refuses every API request without a session, and writes nothing', async () => {
    const inbox = await serveSqliteInbox();
    try {
      const roomId = await roomWithCustomerMessage(inbox.engine);
      for (const path of ['/api/session', '/api/rooms', `/api/rooms/${roomId}`, '/api/events']) {
        const res = await fetch(inbox.url + path);
        expect(res.status, path).toBe(401);
        expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' }, configured: true });
      }
      const reply = await fetch(`${inbox.url}/api/rooms/${roomId}/reply`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' });
      expect(reply.status).toBe(401);
      const { events } = await inbox.engine.call<{ events: unknown[] }>('getTimeline', { roomId, audit: true });
      expect(events.filter((e) => (e as { type: string }).type === 'message')).toHaveLength(1);
      // The same request with a session is answered: the refusal was about the session.
      const ana = await signIn(inbox, 'ana', ANA_PASSWORD);
      expect((await fetch(`${inbox.url}/api/rooms`, { headers: { cookie: ana.cookie } })).status).toBe(200);
    } finally {
      await inbox.close();
    }
  });

  it('refuses a wrong password and an unknown user without setting a cookie; the right one gets an HTTP-only, same-site cookie', async () => {
    const inbox = await serveSqliteInbox();
    try {
      for (const [user, password] of [['ana', 'wrong'], ['ana', BEN_PASSWORD], ['nobody', ANA_PASSWORD]] as const) {
        const attempt = await signIn(inbox, user, password);
        expect(attempt.status, `${user}/${password}`).toBe(401);
        expect(attempt.setCookie).toBe('');
      }
      const ana = await signIn(inbox, 'ana', ANA_PASSWORD);
      expect(ana.status).toBe(200);
      expect(ana.setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; Path=${BASE}; Max-Age=28800; HttpOnly; SameSite=Strict$`));
      const session = await fetch(`${inbox.url}/api/session`, { headers: { cookie: ana.cookie } });
      expect(await session.json()).toEqual({ user: 'ana', csrf: ana.csrf });
    } finally {
      await inbox.close();
    }
  });

  it('limits failed sign-ins per account name from one address: guesses at one name never lock out another agent, and guesses sent together all count', async () => {
    const { engine } = await openTestEngine();
    await registerInboxChannels(engine);
    const inbox = await serveInbox(engine, bothAgents, Date.now, { perAccount: 10, perAddress: 14 });
    const login = (user: string, password: string) =>
      fetch(`${inbox.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) }).then((r) => r.status);
    // Every agent behind one reverse proxy shares this address.
    const guesses = await Promise.all(Array.from({ length: 20 }, (_, i) => login('ana', `guess-${i}`)));
    expect([guesses.filter((s) => s === 401).length, guesses.filter((s) => s === 429).length]).toEqual([10, 10]);
    expect(await login('ana', ANA_PASSWORD)).toBe(429);
    expect(await login('ben', BEN_PASSWORD)).toBe(200);
    // A success is not a failure: signing in again and again never locks ben out.
    for (let i = 0; i < 10; i++) expect(await login('ben', BEN_PASSWORD)).toBe(200);
    // In all, one address may fail 14 times in the window: then every name is refused from it.
    for (let i = 0; i < 4; i++) expect(await login(`nobody-${i}`, 'x')).toBe(401);
    expect(await login('ben', BEN_PASSWORD)).toBe(429);
  });

  it('marks the cookie Secure when the page is served over https', async () => {
    const inbox = await serveSqliteInbox();
    try {
      const res = await fetch(`${inbox.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
        body: JSON.stringify({ user: 'ana', password: ANA_PASSWORD }),
      });
      expect(res.headers.get('set-cookie')).toMatch(/; Secure$/);
    } finally {
      await inbox.close();
    }
  });

  it('refuses an expired session', async () => {
    const inbox = await serveSqliteInbox();
    try {
      const ana = await signIn(inbox, 'ana', ANA_PASSWORD);
      inbox.now.value += 8 * HOUR - 1000;
      expect((await fetch(`${inbox.url}/api/rooms`, { headers: { cookie: ana.cookie } })).status).toBe(200);
      inbox.now.value += 1000;
      const expired = await fetch(`${inbox.url}/api/rooms`, { headers: { cookie: ana.cookie } });
      expect(expired.status).toBe(401);
      expect(((await expired.json()) as { error: { message: string } }).error.message).toMatch(/expired/);
    } finally {
      await inbox.close();
    }
  });

  it('keeps sessions in the store: another engine on the database knows them, sign-out ends them there too, only a hash is stored', async () => {
    const first = await serveSqliteInbox();
    const second = await serveSqliteInbox(bothAgents, first.path);
    try {
      const ana = await signIn(first, 'ana', ANA_PASSWORD);
      const id = decodeURIComponent(ana.cookie.slice(`${SESSION_COOKIE}=`.length));
      expect((await fetch(`${second.url}/api/rooms`, { headers: { cookie: ana.cookie } })).status).toBe(200);
      // The store does not know the session by its id: it keeps a hash of it.
      expect(await first.engine.agentSessions.getAgentSession(BASE, id, Date.now())).toBeNull();
      const signedOut = await fetch(`${second.url}/api/logout`, {
        method: 'POST',
        headers: { cookie: ana.cookie, [CSRF_HEADER]: ana.csrf, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(signedOut.status).toBe(200);
      expect((await fetch(`${first.url}/api/rooms`, { headers: { cookie: ana.cookie } })).status).toBe(401);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("acts only as the session's own agent, and refuses the session of an agent whose account was removed", async () => {
    const inbox = await serveSqliteInbox();
    try {
      const roomId = await roomWithCustomerMessage(inbox.engine);
      const ana = await signIn(inbox, 'ana', ANA_PASSWORD);
      const ben = await signIn(inbox, 'ben', BEN_PASSWORD);
      // Naming another agent in the body changes nothing: the session decides who writes.
      const reply = await fetch(`${inbox.url}/api/rooms/${roomId}/reply`, {
        method: 'POST',
        headers: { cookie: ana.cookie, 'content-type': 'application/json', [CSRF_HEADER]: ana.csrf },
        body: JSON.stringify({ text: 'Hi Carla, Ana here', agent: 'ben' }),
      });
      expect(reply.status).toBe(200);
      const { bindings } = await inbox.engine.call<{ bindings: { id: string; address: string; channelType: string; audience: string }[] }>('getRoom', { roomId });
      const agents = bindings.filter((b) => b.channelType === 'agent');
      expect(agents).toEqual([expect.objectContaining({ address: 'ana', audience: 'internal' })]);
      // Ben's CSRF token does not go with Ana's session.
      const crossed = await fetch(`${inbox.url}/api/rooms/${roomId}/reply`, {
        method: 'POST',
        headers: { cookie: ana.cookie, 'content-type': 'application/json', [CSRF_HEADER]: ben.csrf },
        body: JSON.stringify({ text: 'sneaky' }),
      });
      expect(crossed.status).toBe(403);
      // Ana's account is removed (the engine node redeployed without her): her session ends, Ben's goes on.
      inbox.setAccounts(agentCredentials([BEN]));
      expect((await fetch(`${inbox.url}/api/rooms`, { headers: { cookie: ana.cookie } })).status).toBe(401);
      expect((await fetch(`${inbox.url}/api/rooms`, { headers: { cookie: ben.cookie } })).status).toBe(200);
    } finally {
      await inbox.close();
    }
  });

  it('refuses mutating calls without the CSRF token or as a form post, and stores nothing', async () => {
    const inbox = await serveSqliteInbox();
    try {
      const roomId = await roomWithCustomerMessage(inbox.engine);
      const ana = await signIn(inbox, 'ana', ANA_PASSWORD);
      const post = (headers: Record<string, string>, body: string) => fetch(`${inbox.url}/api/rooms/${roomId}/reply`, { method: 'POST', headers: { cookie: ana.cookie, ...headers }, body });
      expect((await post({ 'content-type': 'application/json' }, '{"text":"no token"}')).status).toBe(403);
      expect((await post({ 'content-type': 'application/x-www-form-urlencoded', [CSRF_HEADER]: ana.csrf }, 'text=form')).status).toBe(400);
      const messages = async () => (await inbox.engine.call<{ events: { type: string }[] }>('getTimeline', { roomId, audit: true })).events.filter((e) => e.type === 'message');
      expect(await messages()).toHaveLength(1);
      expect((await post({ 'content-type': 'application/json', [CSRF_HEADER]: ana.csrf }, '{"text":"with token"}')).status).toBe(200);
      expect(await messages()).toHaveLength(2);
    } finally {
      await inbox.close();
    }
  });

  it('without any agent account, says so instead of opening', async () => {
    const inbox = await serveSqliteInbox({});
    try {
      const session = await fetch(`${inbox.url}/api/session`);
      expect(session.status).toBe(401);
      expect(await session.json()).toMatchObject({ configured: false });
      expect((await signIn(inbox, 'ana', ANA_PASSWORD)).status).toBe(401);
      const page = await (await fetch(`${inbox.url}/`)).text();
      expect(page).toContain('No agent accounts yet');
    } finally {
      await inbox.close();
    }
  });

  it('never puts a password hash in an API answer', async () => {
    const inbox = await serveSqliteInbox();
    try {
      const roomId = await roomWithCustomerMessage(inbox.engine);
      const ana = await signIn(inbox, 'ana', ANA_PASSWORD);
      const answers = [JSON.stringify(ana.body)];
      for (const path of ['/api/session', '/api/rooms', `/api/rooms/${roomId}`]) answers.push(await (await fetch(inbox.url + path, { headers: { cookie: ana.cookie } })).text());
      for (const answer of answers) expect(answer).not.toMatch(/\$2[aby]\$/);
      expect(answers.join('')).toContain('hello?');
    } finally {
      await inbox.close();
    }
  });
});

describe('agent account credentials', () => {
  it('reads user and hash slots, and reports a slot without a usable hash without printing its value', () => {
    const problems: string[] = [];
    const accounts = parseAgentAccounts({ ...agentCredentials([ANA]), agentUser2: 'ben', agentPassword2: 'plain-text', agentUser3: 'bad name' }, (p) => problems.push(p));
    expect(accounts.map((a) => a.user)).toEqual(['ana']);
    expect(problems).toEqual(['agentPassword2: ben has no password (set one in the engine node)', 'agentUser3: 1 to 64 letters, digits or . _ @ + -']);
    expect(problems.join('')).not.toContain('plain-text');
  });

  it('keeps as many agents as the editor dialog offers rows for, the last slot included', () => {
    const editor = readFileSync(join(__dirname, '../../resources/roomwire-agent-accounts.js'), 'utf8');
    expect(Number(/var SLOTS = (\d+);/.exec(editor)?.[1])).toBe(AGENT_SLOTS);
    const team = Array.from({ length: AGENT_SLOTS }, (_, i) => ({ user: `agent${i + 1}`, hash: ANA.hash }));
    expect(Object.keys(agentCredentialTypes())).toHaveLength(2 * AGENT_SLOTS);
    expect(parseAgentAccounts(agentCredentials(team), () => undefined).map((a) => a.user)).toEqual(team.map((a) => a.user));
  });
});

describe('the one-time sign-in link', () => {
  it('signs its agent in once; the same token is refused afterwards', () => {
    const token = 'x'.repeat(43);
    const env = { [SIGNIN_ENV]: `demo:${token}` };
    expect(consumeSigninToken('y'.repeat(43), env)).toBeUndefined();
    expect(consumeSigninToken(token, env)).toBe('demo');
    expect(consumeSigninToken(token, env)).toBeUndefined();
  });
});
