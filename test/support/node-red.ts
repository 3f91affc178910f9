// A real Node-RED for end-to-end tests, in a temporary data dir on a port of its own: started
// exactly as users of this checkout start it (`scripts/start.js`, settings.js, this checkout loaded
// as a module), or as users of the npm package start it (Node-RED's own red.js, default settings).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from './wait';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface NodeRedOptions {
  /** Flows for the first start instead of flows/webhook-room.json: a flow file, or the flows. */
  flows?: string | unknown[];
  /** Reuse a data dir (a restart on the same database); the caller owns it, stop() keeps it. */
  dataDir?: string;
  /** Extra environment for the runtime. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

export interface NodeRed {
  /** Editor and admin API, with a trailing slash. */
  baseUrl: string;
  /** Root of the HTTP In nodes (settings.js httpNodeRoot), with a trailing slash. */
  httpNodeUrl: string;
  dataDir: string;
  /** Everything the runtime printed so far. */
  logs(): string;
  /** Whether the process is still running. */
  running(): boolean;
  /** Stops the runtime (SIGTERM: flows close as on Ctrl-C) and waits for it to exit. */
  stop(): Promise<void>;
}

export async function startNodeRed(options: NodeRedOptions = {}): Promise<NodeRed> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'roomwire-e2e-')));
  const env = runtimeEnv(process.env, {
    ROOMWIRE_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    // Port 0: the OS picks a free port, so test files can run side by side; start.js logs it.
    PORT: '0',
    ...options.env,
  });
  if (options.flows !== undefined) env.ROOMWIRE_SEED_FLOW = await seedFile(dataDir, options.flows);

  const runtime = launch([path.join(root, 'scripts', 'start.js')], env, async () => {
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  const baseUrl = await runtime.ready((logs) => /Roomwire editor: (\S+)/.exec(logs)?.[1], options.startTimeoutMs);
  // settings.js: httpNodeRoot '/api'
  return { logs: runtime.logs, running: runtime.running, stop: runtime.stop, baseUrl, httpNodeUrl: new URL('api/', baseUrl).href, dataDir };
}

/**
 * Node-RED's own red.js on `userDir`, as someone who installed Roomwire from npm runs it: no
 * settings file of ours (Node-RED writes its default one on first start), started from a shell.
 * The caller owns `userDir`.
 */
export async function startPlainNodeRed(userDir: string, env: Record<string, string> = {}): Promise<NodeRed> {
  const redJs = path.join(root, 'node_modules', 'node-red', 'red.js');
  const runtime = launch([redJs, '--userDir', userDir, '--port', '0'], runtimeEnv(shellEnv(), env));
  const baseUrl = await runtime.ready((logs) => {
    const port = /Server now running at \S+?:(\d+)\//.exec(logs)?.[1];
    return port && `http://127.0.0.1:${port}/`;
  });
  // Node-RED's defaults: the editor and the HTTP In nodes both at the root.
  return { logs: runtime.logs, running: runtime.running, stop: runtime.stop, baseUrl, httpNodeUrl: baseUrl, dataDir: userDir };
}

interface Launched {
  logs(): string;
  running(): boolean;
  stop(): Promise<void>;
  /**
   * Waits until the log tells the editor's URL (read by `baseUrl`), the admin API answers there and
   * the flows have started, and returns that URL; stops the runtime and throws with its output if not.
   */
  ready(baseUrl: (logs: string) => string | undefined, timeoutMs?: number): Promise<string>;
}

/**
 * The environment of a user's shell: without the npm_* variables `npm test` set for its scripts,
 * which an npm started from here (`npm pack`, or the one Node-RED runs to install a module from
 * the palette) would take as its own configuration (npm_config_local_prefix: this checkout).
 */
export function shellEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')));
}

/**
 * `base` without a developer's own Roomwire settings, which must not leak into a test's runtime, in
 * English (Node-RED picks its log language from the locale, and readiness is read from the log),
 * with `extra` on top.
 */
function runtimeEnv(base: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, LC_ALL: 'en_US.UTF-8' };
  delete env.ROOMWIRE_DB;
  delete env.ROOMWIRE_CREDENTIAL_SECRET;
  delete env.ROOMWIRE_SEED_FLOW;
  // Vitest sets NODE_ENV=test, which silences Express's own error log; users run without it.
  delete env.NODE_ENV;
  return { ...env, ...extra };
}

function launch(args: string[], env: NodeJS.ProcessEnv, cleanUp = async () => {}): Launched {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'exit');
  // If the test process dies first, the runtime must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
      await cleanUp();
    })());
  const logs = () => output;
  const running = () => child.exitCode === null && child.signalCode === null;

  const ready = async (readBaseUrl: (logs: string) => string | undefined, timeoutMs = 30_000) => {
    try {
      const baseUrl = await until(
        () => {
          if (child.exitCode !== null) throw new Error(`Node-RED exited with code ${child.exitCode}`);
          return readBaseUrl(output);
        },
        'Node-RED to listen',
        timeoutMs,
      );
      // auth/login answers with or without adminAuth (it says which login the editor needs).
      await until(async () => (await fetch(`${baseUrl}auth/login`).catch(() => undefined))?.ok, 'the admin API');
      await waitForStartedFlows(logs, 0);
      return baseUrl;
    } catch (err) {
      await stop();
      throw new Error(`${(err as Error).message}\n--- Node-RED output ---\n${output}`);
    }
  };
  return { logs, running, stop, ready };
}

/** Replaces all flows (a full deploy, as the editor's Deploy button) and waits until they run. */
export async function deployFlows(nodeRed: NodeRed, flows: unknown[]): Promise<string> {
  const logsBefore = nodeRed.logs().length;
  const res = await fetch(`${nodeRed.baseUrl}flows`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Node-RED-API-Version': 'v2',
      'Node-RED-Deployment-Type': 'full',
    },
    body: JSON.stringify({ flows }),
  });
  if (!res.ok) throw new Error(`deploy failed: ${res.status} ${await res.text()}`);
  const { rev } = (await res.json()) as { rev: string };
  // The admin API answers before the new flows have started (runtime/lib/flows/index.js).
  await waitForStartedFlows(nodeRed.logs, logsBefore);
  return rev;
}

/** The flows the runtime holds now (what the editor would load). */
export async function readFlows(nodeRed: NodeRed): Promise<Array<Record<string, unknown>>> {
  const res = await fetch(`${nodeRed.baseUrl}flows`, { headers: { 'Node-RED-API-Version': 'v1' } });
  if (!res.ok) throw new Error(`reading flows failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Array<Record<string, unknown>>;
}

async function seedFile(dataDir: string, flows: string | unknown[]): Promise<string> {
  if (typeof flows === 'string') return path.resolve(flows);
  const file = path.join(dataDir, 'seed-flows.json');
  await writeFile(file, JSON.stringify(flows));
  return file;
}

/** Waits for Node-RED to log that the flows started, looking only at what it logged after `from`. */
async function waitForStartedFlows(logs: () => string, from: number): Promise<void> {
  await until(() => {
    const since = logs().slice(from);
    // Node-RED waits for ever for a node type nobody registered: fail now, and say which.
    if (since.includes('Waiting for missing types')) {
      const types = since.split('\n').filter((line) => line.includes('[info]  - '));
      throw new Error(`flows did not start, node types are missing:\n${types.join('\n')}`);
    }
    return /\[info\] Started flows$/m.test(since);
  }, 'the flows to start');
}
