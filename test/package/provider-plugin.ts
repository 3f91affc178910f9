// The provider package kept in test/fixtures/provider-plugin (the imaginary Relay SMS gateway, a
// `roomwire-provider` Node-RED plugin), and Relay's side of the wire: a local server that speaks
// Relay's API and checks every request, and webhooks signed as Relay signs them. Used by
// pack-install.test.ts, which installs the packed plugin beside Roomwire's own tarball.
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { startLocalServer, type LocalServer } from '../runtime/support/http';
import { shellEnv } from '../support/node-red';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('../fixtures/provider-plugin', import.meta.url));

export const PLUGIN_MODULE = 'roomwire-provider-relay';
export const PLUGIN_ID = 'roomwire-provider-relay';
export const API_KEY = 'relay-api-key-not-real';
export const SIGNING_SECRET = 'relay-signing-secret-not-real';
export const RELAY_CHANNEL = 'relay-sms';
export const RELAY_TOKEN = 'relay-rest-token';

/** `npm pack` of the fixture into `into`: the tarball an author would publish. */
export async function packPlugin(into: string): Promise<string> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', into], { cwd: fixture, env: shellEnv() });
  const [result] = JSON.parse(stdout) as [{ filename: string }];
  return path.join(into, result.filename);
}

/**
 * TypeScript's errors for plugin files checked as a plugin author's editor or CI checks them
 * (`// @ts-check`, strict), their `import('@roomwire/node-red/provider')` types resolved from the
 * node_modules around them: what Roomwire publishes, nothing from its sources.
 */
export function typeErrors(files: string[]): string[] {
  const types = fileURLToPath(new URL('../../node_modules/@types', import.meta.url));
  const program = ts.createProgram(files, {
    allowJs: true,
    checkJs: true,
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    types: ['node'],
    typeRoots: [types],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? path.basename(d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

export interface RelayApi {
  server: LocalServer;
  url: string;
  /** The messages Relay accepted, as sent. */
  sent: { to: string; text: string; reference: string; callbackUrl: string; idempotencyKey: string }[];
  /** Requests that broke Relay's rules (path, auth, body): tests expect none. */
  violations: string[];
}

/** Relay's API: `POST /v1/messages`, bearer API key, JSON `{to, text, reference}`, answered `{id}`. */
export async function startRelayApi(): Promise<RelayApi> {
  const sent: RelayApi['sent'] = [];
  const violations: string[] = [];
  const server = await startLocalServer((request) => {
    const refuse = (why: string, status: number) => {
      violations.push(why);
      return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: why }) };
    };
    if (request.method !== 'POST' || request.url !== '/v1/messages') return refuse(`${request.method} ${request.url}`, 404);
    if (request.headers.authorization !== `Bearer ${API_KEY}`) return refuse(`authorization ${request.headers.authorization}`, 401);
    if (request.headers['content-type'] !== 'application/json') return refuse(`content-type ${request.headers['content-type']}`, 415);
    const idempotencyKey = request.headers['idempotency-key'];
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      return refuse('body is not JSON', 400);
    }
    if (typeof body.to !== 'string' || typeof body.text !== 'string' || typeof body.reference !== 'string' || typeof idempotencyKey !== 'string') {
      return refuse(`fields ${JSON.stringify(body)}`, 400);
    }
    const id = `relay-${sent.length + 1}`;
    sent.push({ to: body.to, text: body.text, reference: body.reference, callbackUrl: String(body.callbackUrl), idempotencyKey });
    return { status: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) };
  });
  return { server, url: `${server.url}v1/messages`, sent, violations };
}

/** A webhook as Relay posts it: JSON signed with `X-Relay-Signature` (hex HMAC-SHA256 of the body). */
export async function postRelayWebhook(url: string, body: unknown, secret: string | null = SIGNING_SECRET): Promise<{ status: number; body: any }> {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (secret !== null) headers['x-relay-signature'] = createHmac('sha256', secret).update(raw).digest('hex');
  const res = await fetch(url, { method: 'POST', headers, body: raw });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** An engine and a channel whose provider is the plugin, as a user saves them in the editor. */
export function relayFlows(apiUrl: string): Record<string, unknown>[] {
  return [
    { id: 'relay-engine', type: 'roomwire-engine', database: 'relay.sqlite', maxChainDepth: 5, httpPrefix: '/roomwire', credentials: { apiToken: RELAY_TOKEN } },
    {
      id: 'relay-channel',
      type: 'roomwire-channel',
      engine: 'relay-engine',
      channelId: RELAY_CHANNEL,
      channelType: 'sms',
      provider: 'relay',
      direction: 'bidirectional',
      providerSettings: { url: apiUrl },
      credentials: { providerSecrets: JSON.stringify({ apiKey: API_KEY, signingSecret: SIGNING_SECRET }) },
    },
  ];
}
