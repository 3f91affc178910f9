// The REST API, its OpenAPI document and docs page, and the MCP server as a running Node-RED
// serves them under the engine's root (issue 13): the document passes a third-party OpenAPI 3.1
// validator, the Swagger UI page renders in headless Chromium from local files only, and the
// official MCP client works over Streamable HTTP and through the `roomwire-mcp` stdio relay.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOperations, type RoomEvent } from '@roomwire/runtime';
import { chromiumPath, launchChromium } from '../support/browser';
import { READ_TOKEN, WRITE_TOKEN, startDemo, type Demo } from './demo-flow';

const BIN = fileURLToPath(new URL('../../bin/roomwire-mcp.js', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

let demo: Demo;
let root: string;

beforeAll(async () => {
  demo = await startDemo();
  root = `${demo.nodeRed.httpNodeUrl}roomwire`;
});

afterAll(async () => {
  await demo?.nodeRed.stop();
});

async function rest(method: string, path: string, token: string | null = WRITE_TOKEN, body?: unknown) {
  const res = await fetch(`${root}/api${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function texts(client: Client): Promise<unknown[]> {
  const read = await client.readResource({ uri: 'roomwire://rooms/demo/timeline?limit=1000' });
  return (JSON.parse((read.contents[0] as { text: string }).text).events as RoomEvent[]).map((e) => e.content.text);
}

describe('REST API on Node-RED', () => {
  it('serves resource routes under the engine root with its tokens', async () => {
    expect((await rest('GET', '/rooms/demo', null)).status).toBe(401);
    const read = await rest('GET', '/rooms/demo', READ_TOKEN);
    expect(read.body.bindings).toHaveLength(3);
    expect((await rest('POST', '/rooms/demo/messages', READ_TOKEN, { text: 'no' })).status).toBe(403);
    const sent = await rest('POST', '/rooms/demo/messages', WRITE_TOKEN, { text: 'over REST on Node-RED' });
    expect(sent.status).toBe(200);
    const page = await rest('GET', `/rooms/demo/events?after=${sent.body.event.index - 1}`, READ_TOKEN);
    expect(page.body.events.map((e: RoomEvent) => e.content.text)).toEqual(['over REST on Node-RED']);
  });

  it('publishes an OpenAPI 3.1 document that a third-party validator accepts, with every operation', async () => {
    const res = await fetch(`${root}/api/openapi.json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as { openapi: string; servers: { url: string }[]; paths: Record<string, Record<string, { operationId: string }>> };
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers[0]!.url).toBe('/api/roomwire/api');
    const ids = Object.values(document.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(ids.sort()).toEqual(listOperations().map((op) => op.name).sort());
  });

  it.skipIf(!chromiumPath)('renders the API docs page in Chromium from local files only', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const foreign: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(demo.nodeRed.baseUrl.replace(/\/$/, ''))) foreign.push(request.url());
      });
      await page.goto(`${root}/api/docs`);
      await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
      expect(await page.locator('.title').first().textContent()).toContain('Roomwire API');
      expect(await page.locator('.opblock-summary-path[data-path="/rooms/{roomId}/messages"]').count()).toBe(1);
      await mkdir(RESULTS, { recursive: true });
      await page.screenshot({ path: `${RESULTS}api-docs.png`, fullPage: false });
      expect(foreign).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('MCP on Node-RED', () => {
  it('works over Streamable HTTP under the engine root', async () => {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${root}/mcp`), { requestInit: { headers: { authorization: `Bearer ${WRITE_TOKEN}` } } }));
    try {
      expect((await client.listTools()).tools.length).toBe(listOperations().length);
      const sent = await client.callTool({ name: 'send_message', arguments: { roomId: 'demo', text: 'over MCP on Node-RED' } });
      expect(sent.isError).toBeFalsy();
      expect(await texts(client)).toContain('over MCP on Node-RED');
    } finally {
      await client.close();
    }
  });

  it('refuses an MCP client without a token', async () => {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(`${root}/mcp`)))).rejects.toThrow(/401|unauthorized|token/i);
  });

  it('works through the roomwire-mcp stdio relay, as Claude Desktop launches it', async () => {
    const client = new Client({ name: 'e2e-stdio', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [BIN], env: { ...process.env, ROOMWIRE_MCP_URL: `${root}/mcp`, ROOMWIRE_TOKEN: WRITE_TOKEN } as Record<string, string>, stderr: 'pipe' }),
    );
    try {
      const sent = await client.callTool({ name: 'send_message', arguments: { roomId: 'demo', text: 'over stdio on Node-RED' } });
      expect(sent.isError).toBeFalsy();
      expect(await texts(client)).toContain('over stdio on Node-RED');
    } finally {
      await client.close();
    }
  });
});
