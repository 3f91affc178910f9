// What users install is what this test installs: the tarball `npm pack` makes of this checkout,
// installed with plain `npm install <tarball>` into a new Node-RED user dir, no build step, and run
// by Node-RED's own red.js (this checkout's node-red dev dependency) with Node-RED's default settings.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, launchChromium, openEditor } from '../support/browser';
import { deployFlows, shellEnv, startPlainNodeRed, type NodeRed } from '../support/node-red';
import { until } from '../support/wait';
import {
  API_KEY,
  PLUGIN_ID,
  PLUGIN_MODULE,
  RELAY_CHANNEL,
  RELAY_TOKEN,
  packPlugin,
  postRelayWebhook,
  relayFlows,
  SIGNING_SECRET,
  startRelayApi,
  typeErrors,
  type RelayApi,
} from './provider-plugin';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  'node-red': { nodes: Record<string, string> };
};
const MODULE = manifest.name;
const nodeTypes = Object.keys(manifest['node-red'].nodes).sort();
const exampleNames = readdirSync(path.join(root, 'flows'))
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.slice(0, -'.json'.length))
  .sort();
const TOKEN = 'pack-install-token';

interface FlowNode {
  id: string;
  type: string;
  [key: string]: unknown;
}

/** An entry of `GET /nodes`: one node set (a file of the package) and the types it registered. */
interface NodeSet {
  id: string;
  module: string;
  types: string[];
  err?: string;
}

let workDir: string;
let tarball: string;
let packed: string[];
let prebuilds: Record<string, string>;
let userDir: string;
let nodeRed: NodeRed;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'roomwire-package-'));
  ({ file: tarball, files: packed } = await pack(workDir));
  prebuilds = await sqlite3Prebuild(path.join(workDir, 'prebuilds'));
  userDir = path.join(workDir, 'node-red');
  await install(userDir, tarball);
  nodeRed = await startPlainNodeRed(userDir);
  // Installing unpacks the model clients (openai, @anthropic-ai/sdk: ~5,500 of the ~7,500 files of
  // the tarball); on a loaded 2-core machine `npm install` of the tarball alone took 1 min 45 s.
}, 420_000);

afterAll(async () => {
  await nodeRed?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('ships every node built, with its editor HTML, the example flows, README and LICENSE', () => {
    const expected = [
      ...nodeTypes.flatMap((type) => [`dist/nodes/${type}.js`, `dist/nodes/${type}.html`]),
      ...exampleNames.map((name) => `examples/${name}.json`),
      'README.md',
      'LICENSE',
    ];
    expect(expected.filter((file) => !packed.includes(file))).toEqual([]);
  });

  it('ships the Provider contract declarations for plugin authors (@roomwire/node-red/provider), and no other declarations of its own', () => {
    expect(packed).toContain('dist/provider/index.d.ts');
    expect(packed.filter((file) => file.endsWith('.d.ts') && !file.startsWith('node_modules/') && !file.startsWith('dist/provider/'))).toEqual([]);
  });

  it('leaves tests, bench, CI, scripts, TypeScript sources and source maps out', () => {
    // Bundled third-party packages ship what their authors chose; ours (and the runtime) are checked.
    const own = packed.filter((file) => !file.startsWith('node_modules/') || file.startsWith('node_modules/@roomwire/'));
    const unwanted = own.filter(
      (file) => /^(test|bench|\.ci|scripts|docs|nodes|flows|runtime)\//.test(file) || /(?<!\.d)\.ts$|\.map$/.test(file),
    );
    expect(unwanted).toEqual([]);
  });
});

describe('installed into a new Node-RED user dir, Node-RED started with its default settings', () => {
  it('loads every Roomwire node type with no error', async () => {
    const ours = (await nodeSets()).filter((set) => set.module === MODULE);
    expect(ours.filter((set) => set.err !== undefined).map((set) => `${set.id}: ${set.err}`)).toEqual([]);
    expect(ours.flatMap((set) => set.types).sort()).toEqual(nodeTypes);
  });

  it('lists the example flows under the package in Import > Examples, as they are in flows/', async () => {
    expect(await library('')).toContain(MODULE);
    expect(await library(MODULE)).toEqual(exampleNames.map((fn) => ({ fn })));
    for (const name of exampleNames) {
      const shipped = JSON.parse(readFileSync(path.join(root, 'flows', `${name}.json`), 'utf8'));
      expect(await library(`${MODULE}/${name}`)).toEqual(shipped);
    }
  });

  it('runs the webhook-room example as Import > Examples gives it: what alice says is delivered to bob', async () => {
    const example = (await library(`${MODULE}/webhook-room`)) as FlowNode[];
    const engine = example.find((node) => node.type === 'roomwire-engine')!;
    // The REST API, where this test reads the deliveries, needs the token a user types into the
    // engine's dialog; the editor deploys it as a credential, and so does this.
    await deployFlows(nodeRed, example.map((node) => (node === engine ? { ...node, credentials: { apiToken: TOKEN } } : node)));
    const api = async (operation: string, input: unknown) => {
      const res = await fetch(`${nodeRed.httpNodeUrl}${String(engine.httpPrefix).replace(/^\//, '')}/api/operations/${operation}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      return (await res.json()) as any;
    };
    // The example creates room demo with alice, bob and the observer when its flows start.
    const room = await until(async () => {
      const found = await api('getRoom', { roomId: 'demo' });
      return found.bindings?.length === 3 && (found as { bindings: { id: string; address: string }[] });
    }, 'room demo and its participants');
    const bob = room.bindings.find((binding) => binding.address === 'bob')!;

    const said = await fetch(`${nodeRed.httpNodeUrl}demo/say/alice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi bob' }),
    });
    expect(said.status).toBe(200);
    const { eventId } = (await said.json()) as { eventId: string };
    const deliveries = await until(async () => {
      const found = await api('getDeliveries', { eventId });
      return found.aggregate?.delivered === 'all' && (found.deliveries as { bindingId: string; status: string }[]);
    }, "the deliveries of alice's message");
    expect(deliveries).toContainEqual(expect.objectContaining({ bindingId: bob.id, status: 'delivered' }));
  });

  it('logs no warning or error about Roomwire, from the start to the delivered message', () => {
    expect(roomwireWarnings(nodeRed.logs())).toEqual([]);
  });

  it('would show a Roomwire node that fails to load, in GET /nodes and in the log', async () => {
    // The same checks, on the same install with one node file broken, see the failure.
    await nodeRed.stop();
    const deployed = JSON.parse(readFileSync(path.join(userDir, 'flows.json'), 'utf8')) as FlowNode[];
    const unused = nodeTypes.find((type) => !deployed.some((node) => node.type === type))!;
    const file = path.join(userDir, 'node_modules', MODULE, manifest['node-red'].nodes[unused]!);
    await writeFile(file, "throw new Error('broken on purpose');\n");
    nodeRed = await startPlainNodeRed(userDir);

    const broken = (await nodeSets()).find((set) => set.module === MODULE && set.id.endsWith(`/${unused}`));
    expect(broken?.err).toContain('broken on purpose');
    expect(roomwireWarnings(nodeRed.logs()).join('\n')).toContain(unused);
  });
});

describe('uploaded in the editor (Manage palette > Install > Upload module tgz file)', () => {
  let fresh: NodeRed | undefined;
  afterAll(async () => {
    await fresh?.stop();
  });

  it('installs from the one file, and every Roomwire node type loads with no error', async () => {
    const dir = path.join(workDir, 'node-red-upload');
    // Node-RED runs npm itself, with its own environment: the prebuilt sqlite3 goes in there.
    fresh = await startPlainNodeRed(dir, prebuilds);
    const form = new FormData();
    form.append('tarball', new Blob([await readFile(tarball)]), path.basename(tarball));
    const res = await fetch(`${fresh.baseUrl}nodes`, { method: 'POST', body: form });
    expect(res.status, await res.clone().text()).toBe(200);
    expectPrebuiltSqlite3(dir);

    const ours = (await nodeSets(fresh)).filter((set) => set.module === MODULE);
    expect(ours.filter((set) => set.err !== undefined).map((set) => `${set.id}: ${set.err}`)).toEqual([]);
    expect(ours.flatMap((set) => set.types).sort()).toEqual(nodeTypes);
    expect(roomwireWarnings(fresh.logs())).toEqual([]);
    // Node-RED's npm fetches every dependency (the mail libraries too) without --prefer-offline.
  }, 300_000);
});

describe('a provider package from npm (a roomwire-provider plugin) beside it', () => {
  let pluginTarball: string;
  let relay: RelayApi;
  let runtime: NodeRed | undefined;
  let later: NodeRed | undefined;
  const message = (id: string, from: string, text: string) => ({ id, from, text });

  beforeAll(async () => {
    pluginTarball = await packPlugin(workDir);
    relay = await startRelayApi();
  }, 60_000);

  afterAll(async () => {
    await runtime?.stop();
    await later?.stop();
    await relay?.server.close();
  });

  it('installed with npm install <tarball> into a fresh user dir, is listed among the channel providers with its editor form', async () => {
    const dir = path.join(workDir, 'node-red-plugin');
    await install(dir, tarball, pluginTarball);
    runtime = await startPlainNodeRed(dir);
    const res = await fetch(`${runtime.baseUrl}roomwire/providers`);
    const { providers } = (await res.json()) as { providers: { name: string }[] };
    expect(providers.map((p) => p.name)).toEqual(expect.arrayContaining(['webhook', 'flow', 'twilio', 'relay']));
    expect(providers).toContainEqual({ name: 'relay', plugin: PLUGIN_ID, module: PLUGIN_MODULE });
    // The editor loads the plugin's own .html, which registers its settings form.
    const editor = await (await fetch(`${runtime.baseUrl}plugins`, { headers: { accept: 'text/html' } })).text();
    expect(editor).toMatch(/registerPlugin\('roomwire-provider-relay', \{\s*type: 'roomwire-provider',\s*name: 'relay'/);
    expect(roomwireWarnings(runtime.logs())).toEqual([]);
  }, 180_000);

  it('type-checks against the Provider types the installed Roomwire publishes (@roomwire/node-red/provider); a provider breaking the contract does not', async () => {
    const dir = path.join(workDir, 'node-red-plugin');
    const installed = path.join(dir, 'node_modules', PLUGIN_MODULE, 'relay.js');
    expect(typeErrors([installed])).toEqual([]);
    // The same check catches a send() answering a status the contract does not have.
    const broken = path.join(dir, 'broken-provider.js');
    const source = await readFile(installed, 'utf8');
    await writeFile(broken, source.replace("return { status: 'sent',", "return { status: 'posted',"));
    expect((await readFile(broken, 'utf8')).includes("status: 'posted'")).toBe(true);
    expect(typeErrors([broken]).join('\n')).toMatch(/'"posted"' is not assignable to type '"sent" \| "delivered"'/);
  }, 60_000);

  it('carries messages both ways on the real runtime: signed inbound into a room, the reply out through the plugin, its report tracked', async () => {
    await deployFlows(runtime!, relayFlows(relay.url));
    const webhook = `${runtime!.httpNodeUrl}roomwire/webhook/${RELAY_CHANNEL}`;
    const api = async (operation: string, input: unknown) => {
      const res = await fetch(`${runtime!.httpNodeUrl}roomwire/api/operations/${operation}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${RELAY_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      return (await res.json()) as any;
    };
    // The plugin's own signature check runs before anything is stored.
    expect((await postRelayWebhook(webhook, message('in-0', '+15550100007', 'forged'), null)).status).toBe(401);
    expect((await postRelayWebhook(webhook, message('in-0', '+15550100007', 'forged'), 'not-the-secret')).status).toBe(403);
    expect((await api('listRooms', {})).rooms).toEqual([]);

    const accepted = await postRelayWebhook(webhook, message('in-1', '+15550100007', 'hello relay'));
    expect(accepted.status).toBe(200);
    const roomId = accepted.body.accepted[0].roomId as string;
    expect((await api('getTimeline', { roomId })).events.map((e: { content: unknown }) => e.content)).toContainEqual({ type: 'text', text: 'hello relay' });

    const { event } = await api('sendEvent', { roomId, content: { type: 'text', text: 'hello from the room' } });
    const sent = await until(() => relay.sent[0], 'the reply at Relay');
    expect(sent).toMatchObject({ to: '+15550100007', text: 'hello from the room', callbackUrl: webhook });
    expect(sent.idempotencyKey).toMatch(new RegExp(`^${event.id}:`));
    // Relay's report names the message id the engine stores once Relay's answer is in.
    await until(async () => (await api('getDeliveries', { eventId: event.id })).deliveries[0]?.status === 'sent', 'the delivery to be sent');
    expect((await postRelayWebhook(webhook, { type: 'report', messageId: 'relay-1', status: 'delivered' })).status).toBe(200);
    const { deliveries } = await api('getDeliveries', { eventId: event.id });
    expect(deliveries).toEqual([expect.objectContaining({ channelId: RELAY_CHANNEL, status: 'delivered', providerMessageId: 'relay-1' })]);
    expect(relay.violations).toEqual([]);
    expect(roomwireWarnings(runtime!.logs())).toEqual([]);
  });

  it.skipIf(!chromiumPath)("shows the plugin's own settings form in the channel dialog, and deploys what is typed there", async () => {
    const browser = await launchChromium();
    try {
      const { page, pageErrors } = await openChannelDialog(browser, runtime!);
      const provider = page.locator('#node-config-input-provider');
      await expect.poll(() => provider.locator('option:checked').textContent()).toBe(`Relay SMS gateway (${PLUGIN_MODULE})`);
      const url = page.locator('#roomwire-provider-setting-url');
      expect(await url.inputValue()).toBe(relay.url);
      // Secrets never come back to the browser: stored ones show as dots.
      expect(await page.locator('#roomwire-provider-secret-apiKey').inputValue()).toBe('');
      expect(await page.locator('#roomwire-provider-secret-apiKey').getAttribute('placeholder')).toBe('••••••');
      expect(await page.locator('#roomwire-channel-webhook-url').textContent()).toBe(`${runtime!.httpNodeUrl}roomwire/webhook/${RELAY_CHANNEL}`);

      // A rotated webhook secret, typed with the API key (secrets are saved together), then Deploy.
      await page.fill('#roomwire-provider-secret-apiKey', API_KEY);
      await page.fill('#roomwire-provider-secret-signingSecret', 'rotated-relay-secret');
      await page.click('#node-config-dialog-ok');
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'detached' });
      await page.click('#red-ui-header-button-deploy');
      const webhook = `${runtime!.httpNodeUrl}roomwire/webhook/${RELAY_CHANNEL}`;
      await until(async () => (await postRelayWebhook(webhook, message('rotated-1', '+15550100007', 'new secret'), 'rotated-relay-secret')).status === 200, 'the rotated secret to apply');
      expect((await postRelayWebhook(webhook, message('rotated-2', '+15550100007', 'old secret'), SIGNING_SECRET)).status).toBe(403);
      const flows = (await (await fetch(`${runtime!.baseUrl}flows`)).json()) as Record<string, unknown>[];
      const saved = flows.find((node) => node.id === 'relay-channel')!;
      expect(saved).toMatchObject({ provider: 'relay', providerSettings: { url: relay.url } });
      expect(JSON.stringify(flows)).not.toContain('rotated-relay-secret');
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 180_000);

  it('installed later from the palette, starts the channel that was waiting for it, without a restart or redeploy; a channel dialog open meanwhile lists it with its form', async () => {
    const dir = path.join(workDir, 'node-red-plugin-later');
    await install(dir, tarball);
    later = await startPlainNodeRed(dir);
    await deployFlows(later, relayFlows(relay.url));
    const webhook = `${later.httpNodeUrl}roomwire/webhook/${RELAY_CHANNEL}`;
    expect(later.logs()).toMatch(/provider "relay" is not installed/);
    expect((await postRelayWebhook(webhook, message('later-0', '+15550100008', 'too early'))).status).toBe(404);

    // A user has the channel's dialog open while the package installs (where a browser can run:
    // CI always has one, see test/support/browser.ts). The provider is still a bare name, no form.
    const browser = chromiumPath ? await launchChromium() : undefined;
    try {
      const dialog = browser && (await openChannelDialog(browser, later));
      const provider = dialog?.page.locator('#node-config-input-provider');
      if (dialog) {
        expect(await provider!.locator('option:checked').textContent()).toBe('relay');
        expect(await dialog.page.locator('#roomwire-provider-setting-url').count()).toBe(0);
      }

      const form = new FormData();
      form.append('tarball', new Blob([await readFile(pluginTarball)]), path.basename(pluginTarball));
      const res = await fetch(`${later.baseUrl}nodes`, { method: 'POST', body: form });
      expect(res.status, await res.clone().text()).toBe(200);
      const accepted = await until(async () => {
        const answer = await postRelayWebhook(webhook, message('later-1', '+15550100008', 'now?'));
        return answer.status === 200 && answer;
      }, 'the waiting channel to start');
      expect(accepted.body.accepted[0]).toMatchObject({ kind: 'message', status: 'committed' });

      if (dialog) {
        // The same open dialog, no reload: the plugin is listed under its label and its form shows the saved setting.
        await expect.poll(() => provider!.locator('option:checked').textContent(), { timeout: 30_000 }).toBe(`Relay SMS gateway (${PLUGIN_MODULE})`);
        expect(await dialog.page.locator('#roomwire-provider-setting-url').inputValue()).toBe(relay.url);
        expect(await dialog.page.locator('#roomwire-provider-secret-apiKey').count()).toBe(1);
        expect(dialog.pageErrors).toEqual([]);
      }
    } finally {
      await browser?.close();
    }
  }, 240_000);
});

/** The editor of `nodeRed` in a new page, with the relay channel's dialog open (config sidebar, double click). */
async function openChannelDialog(browser: Browser, nodeRed: NodeRed): Promise<{ page: Page; pageErrors: string[] }> {
  // Node-RED's default settings show a welcome tour on a first visit: turn it off, as a user can.
  const off = await fetch(`${nodeRed.baseUrl}settings/user`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ editor: { view: { 'view-show-welcome-tours': false } } }),
  });
  expect(off.status).toBe(204);
  const pageErrors: string[] = [];
  const page = await openEditor(browser, nodeRed.baseUrl, pageErrors);
  page.setDefaultTimeout(30_000);
  await page.evaluate(() => (window as unknown as { RED: { sidebar: { config: { show(): void } } } }).RED.sidebar.config.show());
  // A first visit also asks about update notifications: decline, as a user would.
  await page.getByRole('button', { name: 'No, do not enable notifications' }).click({ timeout: 15_000 }).catch(() => undefined);
  const channelNode = page.locator('.red-ui-palette-node-config').filter({ hasText: RELAY_CHANNEL }).first();
  // Flows saved by another client (or before a setting existed) are valid in the editor.
  expect(await channelNode.getAttribute('class')).not.toContain('invalid');
  await channelNode.dblclick();
  await page.locator('#node-config-input-provider').waitFor();
  return { page, pageErrors };
}

/** `npm pack`, without its lifecycle scripts: the e2e global setup has just built dist/, and a second
 * build would delete it under the other end-to-end tests running from it. */
async function pack(into: string): Promise<{ file: string; files: string[] }> {
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', into], {
    cwd: root,
    env: shellEnv(),
    // The JSON lists every file of the bundled runtime's dependencies: several MB.
    maxBuffer: 64 * 1024 * 1024,
  });
  const [result] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  return { file: path.join(into, result.filename), files: result.files.map((file) => file.path) };
}

/** What a user does: a Node-RED user dir (the package.json Node-RED writes there) and `npm install`. */
async function install(dir: string, ...files: string[]): Promise<void> {
  await mkdir(dir);
  const project = { name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true };
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(project, null, 4));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...files], {
    cwd: dir,
    env: { ...shellEnv(), ...prebuilds },
  });
  expectPrebuiltSqlite3(dir);
}

function expectPrebuiltSqlite3(dir: string): void {
  if (existsSync(path.join(dir, 'node_modules', 'sqlite3', 'build', 'Release', 'obj.target'))) {
    throw new Error('sqlite3 was compiled from source: its install script did not find the prebuilt binary');
  }
}

/**
 * sqlite3's install script (prebuild-install) takes its prebuilt binary from a local folder when
 * npm_config_sqlite3_local_prebuilds names one, before trying GitHub, which CI cannot reach (it
 * would compile for minutes instead). The binary `npm ci` put in this checkout is the one for this
 * platform; it is packed under the name prebuild-install looks for.
 */
async function sqlite3Prebuild(dir: string): Promise<Record<string, string>> {
  const sqlite3 = path.join(root, 'node_modules', 'sqlite3');
  const { version, binary } = JSON.parse(readFileSync(path.join(sqlite3, 'package.json'), 'utf8')) as {
    version: string;
    binary: { napi_versions: number[] };
  };
  const napi = Math.max(...binary.napi_versions.filter((v) => v <= Number(process.versions.napi)));
  const { header } = process.report.getReport() as { header: { glibcVersionRuntime?: string } };
  const libc = process.platform === 'linux' && !header.glibcVersionRuntime ? 'musl' : '';
  const name = `sqlite3-v${version}-napi-v${napi}-${process.platform}${libc}-${process.arch}.tar.gz`;
  await mkdir(dir);
  await run('tar', ['-czf', path.join(dir, name), '-C', sqlite3, 'build/Release/node_sqlite3.node']);
  return { npm_config_sqlite3_local_prebuilds: dir };
}

async function nodeSets(runtime = nodeRed): Promise<NodeSet[]> {
  const res = await fetch(`${runtime.baseUrl}nodes`, { headers: { accept: 'application/json' } });
  return (await res.json()) as NodeSet[];
}

/** The admin endpoint behind Import > Examples (@node-red/runtime, library/examples.js). */
async function library(entry: string): Promise<unknown> {
  const res = await fetch(`${nodeRed.baseUrl}library/examples/flows/${entry}`);
  if (!res.ok) throw new Error(`GET library/examples/flows/${entry}: ${res.status} ${await res.text()}`);
  return res.json();
}

function roomwireWarnings(logs: string): string[] {
  return logs.split('\n').filter((line) => /\[(warn|error)\]/.test(line) && /roomwire/i.test(line));
}
