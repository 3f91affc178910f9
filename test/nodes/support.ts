// Shared setup for the node tests: the compiled nodes from dist/ (what Node-RED loads) in
// node-red-node-test-helper, a temporary database per test, and the ways a test looks at a node:
// its next output, its status and its errors.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import helper from 'node-red-node-test-helper';
import type { NodeAPI } from 'node-red';
import type { Engine } from '../../runtime/src';
export { until } from '../support/wait';

const require = createRequire(import.meta.url);
helper.init(require.resolve('node-red'));
export { helper };

const dist = fileURLToPath(new URL('../../dist/nodes/', import.meta.url));

export const NODE_TYPES = [
  'roomwire-engine',
  'roomwire-channel',
  'roomwire-room-in',
  'roomwire-send',
  'roomwire-hook',
  'roomwire-hook-return',
  'roomwire-mute',
  'roomwire-visibility',
  'roomwire-room',
  'roomwire-twilio',
] as const;

export type NodeInit = (RED: NodeAPI) => void;

/** A compiled node module, as Node-RED requires it. */
export function compiled<T = NodeInit>(file: string): T {
  return require(path.join(dist, file)) as T;
}

/** The RED handed to the nodes of the last load (its httpNode app carries the engine's routes). */
export let red: NodeAPI | undefined;

/** Every Roomwire node; the first init also records the RED the nodes get. */
export function allNodes(): NodeInit[] {
  const [engine, ...others] = NODE_TYPES.map((type) => compiled(`${type}.js`));
  const recordRed: NodeInit = (RED) => {
    red = RED;
    engine!(RED);
  };
  return [recordRed, ...others];
}

const dirs: string[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'roomwire-nodes-'));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A node of a test flow: Node-RED reads its id and type, the node its other settings. */
export interface FlowNode {
  id: string;
  type: string;
  [setting: string]: unknown;
}

/** The engine config node of a test flow, with a fresh database and a prefix of its own. */
export function engineConfig(id = 'engine', extra: Record<string, unknown> = {}): FlowNode {
  return { id, type: 'roomwire-engine', name: 'test engine', database: path.join(tempDir(), 'test.sqlite'), httpPrefix: '/roomwire', ...extra };
}

/** A flow channel and a webhook channel; the webhook one posts to `url` unless told otherwise. */
export function channelConfigs(url = 'http://127.0.0.1:9/unused/{address}'): FlowNode[] {
  return [
    { id: 'ch-flow', type: 'roomwire-channel', engine: 'engine', channelId: 'bots', channelType: 'flow' },
    { id: 'ch-web', type: 'roomwire-channel', engine: 'engine', channelId: 'web', channelType: 'webhook', outboundUrl: url },
  ];
}

/** Flow nodes placed on a tab (Node-RED treats a node without a position as a config node). */
export function onTab(nodes: FlowNode[]): FlowNode[] {
  return [{ id: 'tab', type: 'tab', label: 'test' }, ...nodes.map((n) => ({ z: 'tab', x: 100, y: 100, ...n }))];
}

export interface Msg {
  payload?: any;
  topic?: string;
  [key: string]: any;
}

export interface TestNode {
  id: string;
  receive(msg: Msg): void;
  on(event: string, listener: (arg: any) => void): void;
  removeListener(event: string, listener: (arg: any) => void): void;
}

export interface SharedEngine {
  call<T = any>(operation: string, input: unknown): Promise<T>;
  ready(): Promise<Engine>;
}

export const node = (id: string) => helper.getNode(id) as unknown as TestNode;

export const engineOf = (id = 'engine') => (helper.getNode(id) as unknown as { shared: SharedEngine }).shared;

/** The next `count` messages a helper node receives. */
export function nextMessages(id: string, count: number, timeoutMs = 3000): Promise<Msg[]> {
  const target = node(id);
  const received: Msg[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeListener('input', onInput);
      reject(new Error(`${id} received ${received.length} of ${count} messages within ${timeoutMs} ms`));
    }, timeoutMs);
    const onInput = (msg: Msg) => {
      received.push(msg);
      if (received.length < count) return;
      clearTimeout(timer);
      target.removeListener('input', onInput);
      resolve(received);
    };
    target.on('input', onInput);
  });
}

export async function nextMessage(id: string, timeoutMs?: number): Promise<Msg> {
  return (await nextMessages(id, 1, timeoutMs))[0]!;
}

/** Resolves false when the helper node receives nothing within `ms`. */
export function receivesNothing(id: string, ms = 300): Promise<boolean> {
  return nextMessage(id, ms).then(
    () => false,
    () => true,
  );
}

interface SpyCall {
  thisValue: unknown;
  args: unknown[];
}

/** Calls of a Node method the helper spies on (shared by all nodes, so told apart by `this`). */
function calls(id: string, method: 'status' | 'error' | 'warn' | 'log'): unknown[][] {
  const target = helper.getNode(id);
  const spy = (target as unknown as Record<string, { getCalls(): SpyCall[] }>)[method]!;
  return spy.getCalls().filter((call) => call.thisValue === target).map((call) => call.args);
}

export const statuses = (id: string) => calls(id, 'status').map((args) => args[0] as { fill?: string; shape?: string; text?: string });
export const lastStatus = (id: string) => statuses(id).at(-1);
export const errors = (id: string) => calls(id, 'error').map((args) => String(args[0]));
export const warnings = (id: string) => calls(id, 'warn').map((args) => String(args[0]));
export const infos = (id: string) => calls(id, 'log').map((args) => String(args[0]));


/** Serves the HTTP In app the nodes got (in the test helper it is not attached to a server). */
export async function serveHttpNode(): Promise<{ url: string; close(): Promise<void> }> {
  if (!red) throw new Error('no nodes loaded');
  const server = http.createServer(red.httpNode);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
