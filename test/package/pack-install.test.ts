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
import { deployFlows, shellEnv, startPlainNodeRed, type NodeRed } from '../support/node-red';
import { until } from '../support/wait';

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
}, 180_000);

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
    // npm fetches the MCP SDK and Swagger UI with their dependencies: more than a minute on a busy machine.
  }, 180_000);
});

/** `npm pack`, without its lifecycle scripts: the e2e global setup has just built dist/, and a second
 * build would delete it under the other end-to-end tests running from it. */
async function pack(into: string): Promise<{ file: string; files: string[] }> {
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', into], {
    cwd: root,
    env: shellEnv(),
  });
  const [result] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  return { file: path.join(into, result.filename), files: result.files.map((file) => file.path) };
}

/** What a user does: a Node-RED user dir (the package.json Node-RED writes there) and `npm install`. */
async function install(dir: string, file: string): Promise<void> {
  await mkdir(dir);
  const project = { name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true };
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(project, null, 4));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', file], {
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
