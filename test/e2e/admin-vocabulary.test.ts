// The lists the editor offers (channel types, profiles, providers, hook triggers, permission
// values) come from the runtime through an admin endpoint that Node-RED's adminAuth guards: with
// adminAuth set, a user needs `roomwire.read` (or `read`) and a request without a token gets nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { vocabulary } from '@roomwire/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/wait';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = 'vocabulary-test-password';

let child: ChildProcess;
let dataDir: string;
let baseUrl: string;
let output = '';

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'roomwire-admin-'));
  const port = await freePort();
  const hash = (require('bcryptjs') as { hashSync(text: string, rounds: number): string }).hashSync(PASSWORD, 4);
  const users = [
    { username: 'reader', password: hash, permissions: 'read' },
    { username: 'roomwire-reader', password: hash, permissions: ['roomwire.read'] },
    { username: 'flows-only', password: hash, permissions: ['flows.read'] },
  ];
  // The project's settings (this checkout as the module), with an editor login on top.
  const settings = path.join(dataDir, 'settings.js');
  await writeFile(
    settings,
    `module.exports = Object.assign({}, require(${JSON.stringify(path.join(root, 'settings.js'))}), ${JSON.stringify({
      uiPort: port,
      adminAuth: { type: 'credentials', users },
    })});\n`,
  );
  child = spawn(process.execPath, [require.resolve('node-red/red.js'), '--settings', settings], {
    cwd: root,
    env: { ...process.env, ROOMWIRE_DATA_DIR: dataDir, LC_ALL: 'en_US.UTF-8' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  baseUrl = `http://127.0.0.1:${port}/`;
  await until(() => {
    if (child.exitCode !== null) throw new Error(`Node-RED exited:\n${output}`);
    return /Started flows/.test(output);
  }, 'Node-RED to start', 30_000);
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A login as the editor does it, asking for the user's own permission as the scope. */
async function tokenOf(username: string, scope: string): Promise<string> {
  const res = await fetch(`${baseUrl}auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const vocabularyAs = (token?: string) => fetch(`${baseUrl}roomwire/vocabulary`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('GET roomwire/vocabulary with adminAuth set', () => {
  it('refuses a request without a login', async () => {
    expect((await vocabularyAs()).status).toBe(401);
  });

  it('refuses a user without the roomwire.read permission', async () => {
    // Node-RED's needsPermission answers 401 to a login that lacks the permission.
    expect((await vocabularyAs(await tokenOf('flows-only', 'flows.read'))).status).toBe(401);
  });

  it("gives a reader the runtime's own lists", async () => {
    for (const [user, scope] of [['reader', 'read'], ['roomwire-reader', 'roomwire.read']] as const) {
      const res = await vocabularyAs(await tokenOf(user, scope));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ...vocabulary(), eventCategories: expect.arrayContaining(['message', 'task']) });
    }
  });
});

const providersAs = (token?: string) => fetch(`${baseUrl}roomwire/providers`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('GET roomwire/providers (the channel dialog\'s provider list) with adminAuth set', () => {
  it('refuses a request without a login, and a user without roomwire.read', async () => {
    expect((await providersAs()).status).toBe(401);
    expect((await providersAs(await tokenOf('flows-only', 'flows.read'))).status).toBe(401);
  });

  it('gives a reader the built-in providers and what the dialog needs for webhook URLs', async () => {
    const res = await providersAs(await tokenOf('roomwire-reader', 'roomwire.read'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { providers: { name: string; configProperty?: string }[]; httpNodeRoot: string; publicUrl: string };
    expect(body.providers).toEqual(expect.arrayContaining([{ name: 'webhook' }, { name: 'flow' }, { name: 'twilio', configProperty: 'twilio' }]));
    // Node-RED normalises httpNodeRoot with a trailing slash; the dialog strips it.
    expect(body.httpNodeRoot).toBe('/api/');
    expect(typeof body.publicUrl).toBe('string');
  });
});
