// Who can drive the editor under `npm start`. On loopback without a public URL the first start is
// as it always was: no login, no prompt. As soon as other machines can reach it (HOST not loopback,
// or ROOMWIRE_PUBLIC_URL set because a tunnel leads here) it requires a login: from the environment,
// or made up on the first start with the password printed once and only its bcrypt hash kept. In
// every mode, admin requests addressed to a host name that is not this Node-RED's (DNS rebinding)
// or sent from another origin's page are refused, while the webhook and REST routes answer anyone.
import { readFile, readdir, stat } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeRed, type NodeRed } from '../support/node-red';

const require = createRequire(import.meta.url);
const { adminAuth, isExposed, AUTH_FILE } = require('../../scripts/admin-auth.js') as {
  adminAuth(options: { env: Record<string, string>; host: string; dataDir: string; print(text: string): void }): { users: { username: string; password: string }[] } | undefined;
  isExposed(host: string, env: Record<string, string>): boolean;
  AUTH_FILE: string;
};

const PUBLIC_URL = 'https://rooms.example.test';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request with headers fetch() will not send as given (Host). */
function send(nodeRed: NodeRed, pathname: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const { port } = new URL(nodeRed.baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A WebSocket handshake on the editor's comms: the status line it gets (101 when accepted). */
function upgrade(nodeRed: NodeRed, host: string): Promise<number> {
  const { port } = new URL(nodeRed.baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: '/comms',
      headers: { host, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode!);
    });
    req.on('response', (res) => resolve(res.statusCode!));
    req.on('error', reject);
    req.end();
  });
}

/** Node-RED's own login (what the editor's login dialog does): the access token, or undefined. */
async function login(nodeRed: NodeRed, username: string, password: string): Promise<string | undefined> {
  const res = await fetch(`${nodeRed.baseUrl}auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username, password }),
  });
  return res.ok ? ((await res.json()) as { access_token: string }).access_token : undefined;
}

const flowsWith = (nodeRed: NodeRed, token?: string) => send(nodeRed, '/flows', token ? { headers: { authorization: `Bearer ${token}` } } : {});

/** Every file under `dir` that contains `text`. */
async function filesContaining(dir: string, text: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if ((await readFile(file)).includes(text)) found.push(file);
  }
  return found;
}

describe('on loopback without a public URL', () => {
  let nodeRed: NodeRed;
  beforeAll(async () => {
    // The webhook example: its webhook channel is what a provider would call through a tunnel.
    nodeRed = await startNodeRed({ flows: require.resolve('../../flows/webhook-room.json') });
  });
  afterAll(async () => {
    await nodeRed?.stop();
  });

  it('opens the admin API without a login, prompts nothing and keeps no login file', async () => {
    expect((await flowsWith(nodeRed)).status).toBe(200);
    expect(nodeRed.logs()).not.toMatch(/password/i);
    expect(await readdir(nodeRed.dataDir)).not.toContain(AUTH_FILE);
  });

  it('refuses admin requests addressed to another host name, as DNS rebinding sends them', async () => {
    const { port } = new URL(nodeRed.baseUrl);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) expect((await send(nodeRed, '/flows', { headers: { host } })).status).toBe(200);
    for (const host of [`attacker.example:${port}`, 'attacker.example', `localhost:${Number(port) + 1}`, `127.0.0.1.attacker.example:${port}`]) {
      const answer = await send(nodeRed, '/flows', { headers: { host } });
      expect(answer.status, host).toBe(403);
      expect(JSON.parse(answer.body).error.code).toBe('forbidden');
      expect((await send(nodeRed, '/', { headers: { host } })).status).toBe(403);
    }
    expect(await upgrade(nodeRed, `127.0.0.1:${port}`)).toBe(101);
    expect(await upgrade(nodeRed, `attacker.example:${port}`)).toBe(403);
  });

  it('refuses pages of other origins, preflight included, and never answers Access-Control-Allow-Origin: *', async () => {
    const { port } = new URL(nodeRed.baseUrl);
    const preflight = await send(nodeRed, '/flows', {
      method: 'OPTIONS',
      headers: { origin: 'https://attacker.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const deploy = await send(nodeRed, '/flows', { method: 'POST', headers: { origin: 'https://attacker.example', 'content-type': 'application/json' }, body: '[]' });
    expect(deploy.status).toBe(403);
    expect((await send(nodeRed, '/flows', { headers: { origin: 'null' } })).status).toBe(403);
    expect((await send(nodeRed, '/flows', { headers: { origin: `http://localhost:${port}` } })).status).toBe(200);
  });

  it('lets the webhook routes answer any host name, as providers call them through tunnels', async () => {
    const answer = await send(nodeRed, '/api/roomwire/webhook/demo-webhook', {
      method: 'POST',
      headers: { host: 'abc123.tunnel.example', origin: 'https://abc123.tunnel.example', 'content-type': 'application/json' },
      body: JSON.stringify({ from: 'alice', text: 'through the tunnel' }),
    });
    expect(answer.status).toBe(200);
  });
});

describe('with a public URL and no login configured', () => {
  let dataDir: string;
  let nodeRed: NodeRed;
  let password: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'roomwire-admin-'));
    nodeRed = await startNodeRed({ dataDir, env: { ROOMWIRE_PUBLIC_URL: PUBLIC_URL } });
    password = /password: (\S+)/.exec(nodeRed.logs())?.[1] ?? '';
  });
  afterAll(async () => {
    await nodeRed?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses the admin API without a login', async () => {
    expect((await flowsWith(nodeRed)).status).toBe(401);
    expect(await login(nodeRed, 'admin', 'not the password')).toBeUndefined();
  });

  it('makes up a password on the first start, prints it once, and it logs in', async () => {
    expect(password).toMatch(/^[\w-]{20,}$/);
    expect(nodeRed.logs().split(password)).toHaveLength(2);
    const token = await login(nodeRed, 'admin', password);
    expect(token).toBeDefined();
    expect((await flowsWith(nodeRed, token)).status).toBe(200);
  });

  it('keeps only a bcrypt hash of it, readable by its owner alone', async () => {
    const file = path.join(dataDir, AUTH_FILE);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    expect(stored).toEqual({ username: 'admin', passwordHash: expect.stringMatching(/^\$2[aby]\$10\$/) });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await filesContaining(dataDir, password)).toEqual([]);
  });

  it('answers to the public host name and refuses others', async () => {
    expect((await send(nodeRed, '/flows', { headers: { host: 'rooms.example.test' } })).status).toBe(401);
    expect((await send(nodeRed, '/flows', { headers: { host: 'attacker.example' } })).status).toBe(403);
    expect((await send(nodeRed, '/flows', { headers: { host: 'rooms.example.test', origin: 'https://attacker.example' } })).status).toBe(403);
  });

  it('keeps the same login across a restart, without printing it again', async () => {
    await nodeRed.stop();
    nodeRed = await startNodeRed({ dataDir, env: { ROOMWIRE_PUBLIC_URL: PUBLIC_URL } });
    expect(nodeRed.logs()).not.toContain(password);
    expect(nodeRed.logs()).not.toMatch(/password:/);
    expect(await login(nodeRed, 'admin', password)).toBeDefined();
  });
});

describe('with the login in the environment', () => {
  it('uses it, prints nothing and keeps nothing', async () => {
    const nodeRed = await startNodeRed({ env: { ROOMWIRE_PUBLIC_URL: PUBLIC_URL, ROOMWIRE_ADMIN_USER: 'ops', ROOMWIRE_ADMIN_PASSWORD: 'correct horse battery staple' } });
    try {
      expect((await flowsWith(nodeRed)).status).toBe(401);
      expect((await flowsWith(nodeRed, await login(nodeRed, 'ops', 'correct horse battery staple'))).status).toBe(200);
      expect(nodeRed.logs()).not.toMatch(/password:|correct horse/);
      expect(await readdir(nodeRed.dataDir)).not.toContain(AUTH_FILE);
    } finally {
      await nodeRed.stop();
    }
  });

  it('refuses to start with a password hash that is not bcrypt, before listening', async () => {
    await expect(startNodeRed({ env: { ROOMWIRE_PUBLIC_URL: PUBLIC_URL, ROOMWIRE_ADMIN_PASSWORD_HASH: 'plain-text' } })).rejects.toThrow(
      /exited with code 1[\s\S]*ROOMWIRE_ADMIN_PASSWORD_HASH is not a bcrypt hash/,
    );
  });
});

describe('when the editor is reachable from other machines', () => {
  it('is decided by HOST and ROOMWIRE_PUBLIC_URL', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) expect(isExposed(host, {}), host).toBe(false);
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'rooms.example.test']) expect(isExposed(host, {}), host).toBe(true);
    expect(isExposed('127.0.0.1', { ROOMWIRE_PUBLIC_URL: PUBLIC_URL })).toBe(true);
  });

  it('requires a login on a non-loopback HOST (made up and printed once), none on loopback', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'roomwire-admin-'));
    try {
      const printed: string[] = [];
      const print = (text: string) => printed.push(text);
      expect(adminAuth({ env: {}, host: '127.0.0.1', dataDir, print })).toBeUndefined();
      const auth = adminAuth({ env: {}, host: '0.0.0.0', dataDir, print });
      expect(auth?.users).toEqual([expect.objectContaining({ username: 'admin', password: expect.stringMatching(/^\$2b\$/) })]);
      expect(printed).toHaveLength(1);
      expect(adminAuth({ env: {}, host: '0.0.0.0', dataDir, print })?.users).toEqual(auth?.users);
      expect(printed).toHaveLength(1);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
