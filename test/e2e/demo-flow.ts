// flows/webhook-room.json deployed into a real Node-RED for the end-to-end and fuzz tests, with
// what a test needs beside it: the REST API token, a second webhook channel that requires
// signatures, and (optionally) the demo channel's deliveries sent to a local receiver so the test
// reads exactly what alice and bob were sent.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { deployFlows, startNodeRed, type NodeRed } from '../support/node-red';
import { until } from '../support/wait';

export const TOKEN = 'webhook-room-e2e-token';
export const SIGNED_CHANNEL = 'signed-webhook';
export const SECRET = 'e2e-signing-secret';
/**
 * The engine's `apiTokens` credential (the REST API and MCP): a reader, and a writer that may audit
 * with a rate limit no test reaches, used by `api` to look at the store.
 */
export const READ_TOKEN = 'e2e-read-token-0123456789';
export const WRITE_TOKEN = 'e2e-write-token-0123456789';
const API_TOKENS = JSON.stringify([
  { token: READ_TOKEN, scope: 'read', name: 'reader' },
  { token: WRITE_TOKEN, scope: ['write', 'audit'], name: 'writer', ratePerMinute: 1_000_000 },
]);

const FLOW_FILE = fileURLToPath(new URL('../../flows/webhook-room.json', import.meta.url));

export interface FlowNode {
  id: string;
  type: string;
  [key: string]: unknown;
}

export interface Demo {
  nodeRed: NodeRed;
  example: FlowNode[];
  /** Runs an operation through the REST API. */
  api(operation: string, input: unknown): Promise<{ status: number; body: any }>;
  /** A POST under the HTTP node root (`demo/say/alice`), JSON unless the body is a string. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** Presses an inject node's button, as the editor does. */
  inject(id: string): Promise<void>;
}

export async function readExample(file = FLOW_FILE): Promise<FlowNode[]> {
  return JSON.parse(await readFile(file, 'utf8')) as FlowNode[];
}

/**
 * Starts Node-RED with the example (or `flowFile`, a copy of it saved in another format);
 * `inboxUrl` replaces the demo channel's outbound URL; `extraNodes` are deployed beside the example.
 */
export async function startDemo(options: { inboxUrl?: string; flowFile?: string; extraNodes?: (engineId: string) => FlowNode[] } = {}): Promise<Demo> {
  const example = await readExample(options.flowFile);
  const flows: FlowNode[] = example.map((node) =>
    node.id === 'demo-webhook-channel' && options.inboxUrl ? { ...node, outboundUrl: options.inboxUrl } : node,
  );
  const engine = flows.find((node) => node.type === 'roomwire-engine')!;
  const signed: FlowNode = {
    id: 'signed-webhook-channel',
    type: 'roomwire-channel',
    name: SIGNED_CHANNEL,
    engine: engine.id,
    channelId: SIGNED_CHANNEL,
    channelType: 'webhook',
    direction: 'bidirectional',
    profile: '',
    outboundUrl: options.inboxUrl ?? '/demo/inbox/{address}',
  };
  // Credentials cannot be seeded in a flow file: deploy them as the editor would. Started empty, so
  // that the flows start once: a redeploy right after a seeded start would stop the example while
  // its start-up inject is creating the room, and log that interrupted call as an error.
  const nodeRed = await startNodeRed({ flows: [] });
  await deployFlows(nodeRed, [
    ...flows.map((node) => (node === engine ? { ...node, credentials: { apiToken: TOKEN, apiTokens: API_TOKENS } } : node)),
    { ...signed, credentials: { secret: SECRET } },
    ...(options.extraNodes?.(engine.id) ?? []),
  ]);

  const api = async (operation: string, input: unknown) => {
    const res = await fetch(`${nodeRed.httpNodeUrl}roomwire/api/operations/${operation}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WRITE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    return { status: res.status, body: await res.json() };
  };
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${nodeRed.httpNodeUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Left as text: the test says what it expected.
    }
    return { status: res.status, body: parsed };
  };
  const inject = async (id: string) => {
    const res = await fetch(`${nodeRed.baseUrl}inject/${id}`, { method: 'POST' });
    if (!res.ok) throw new Error(`inject ${id}: ${res.status}`);
  };

  // The start-up inject creates room demo with its three participants.
  await until(async () => (await api('getRoom', { roomId: 'demo' })).body.bindings?.length === 3, 'room demo and its participants');
  return { nodeRed, example, api, post, inject };
}
