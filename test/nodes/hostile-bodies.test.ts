// The `http in` guard (settings.js `httpNodeMiddleware`, `require('@roomwire/node-red')`): a body
// nested deeper or larger than the engine accepts gets a JSON 4xx naming the body and never
// reaches the flow, however it arrives (parsed by `http in` after the guard, read raw before it, or
// parsed before it); every other body reaches the flow exactly as it would without the guard.
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { helper, nextMessage, receivesNothing, type FlowNode, type NodeInit } from './support';

const require = createRequire(import.meta.url);
const fromNodeRed = (path: string) => require(require.resolve(path, { paths: [require.resolve('node-red')] })) as NodeInit;
const httpIn = fromNodeRed('@node-red/nodes/core/network/21-httpin.js');
const { rejectHostileBodies } = require('../../dist/nodes/lib/index.js') as typeof import('../../nodes/lib/index');

afterEach(async () => {
  await helper.unload();
  helper.settings({ httpNodeMiddleware: undefined });
});

/** `{"a":[{"a":[...1]}]}`, `levels` objects and arrays deep in all. */
const nested = (levels: number) => `${'{"a":['.repeat(levels / 2)}1${']}'.repeat(levels / 2)}`;
const json = { 'content-type': 'application/json' };

/** An `http in` route (its body parsed, or read raw) wired to a helper node, behind the guard. */
async function serveRoute(options: { skipBodyParsing?: boolean; before?: (RED: Parameters<NodeInit>[0]) => void } = {}) {
  helper.settings({ httpNodeMiddleware: rejectHostileBodies() });
  let app: http.RequestListener | undefined;
  const init: NodeInit = (RED) => {
    options.before?.(RED);
    httpIn(RED);
    app = RED.httpNode as unknown as http.RequestListener;
  };
  const flow: FlowNode[] = [
    { id: 'tab', type: 'tab' },
    { id: 'in', z: 'tab', type: 'http in', url: '/said', method: 'post', skipBodyParsing: options.skipBodyParsing ?? false, wires: [['out', 'reply']] },
    { id: 'reply', z: 'tab', type: 'http response', wires: [] },
    { id: 'out', z: 'tab', type: 'helper' },
  ];
  await helper.load([init], flow);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections()),
  };
}

async function post(url: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = json) {
  const res = await fetch(`${url}/said`, { method: 'POST', headers, body, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  // The route answers with what it received: JSON from the guard, anything from the flow.
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

const tooDeep = { error: { code: 'invalid_input', field: 'body', message: 'body: nested deeper than 64 levels' } };

describe('the http in guard', () => {
  it('refuses a body nested past the engine limit and passes one at the limit, parsed as before', async () => {
    const server = await serveRoute();
    try {
      const refused = receivesNothing('out');
      expect(await post(server.url, nested(66))).toEqual({ status: 400, body: tooDeep });
      expect(await refused).toBe(true);

      const received = nextMessage('out');
      await post(server.url, nested(64));
      expect((await received).payload).toEqual(JSON.parse(nested(64)));
    } finally {
      await server.close();
    }
  });

  it('hands large, chunked, compressed, form and text bodies on byte for byte', async () => {
    const server = await serveRoute();
    try {
      const large = { text: 'é'.repeat(400_000) };
      let received = nextMessage('out');
      // A stream body goes out chunked, in many pieces.
      const chunked = new Blob([JSON.stringify(large)]).stream();
      await fetch(`${server.url}/said`, { method: 'POST', headers: json, body: chunked, duplex: 'half' } as RequestInit);
      expect((await received).payload).toEqual(large);

      received = nextMessage('out');
      await post(server.url, new Uint8Array(gzipSync(JSON.stringify({ text: 'zipped' }))), { ...json, 'content-encoding': 'gzip' });
      expect((await received).payload).toEqual({ text: 'zipped' });

      received = nextMessage('out');
      await post(server.url, 'text=hi&list[a][b]=1', { 'content-type': 'application/x-www-form-urlencoded' });
      expect((await received).payload).toEqual({ text: 'hi', list: { a: { b: '1' } } });

      received = nextMessage('out');
      await post(server.url, 'plain [[[ text', { 'content-type': 'text/plain' });
      expect((await received).payload).toBe('plain [[[ text');
    } finally {
      await server.close();
    }
  });

  it('refuses oversized, compressed-deep, deep form and unknown-encoding bodies with a 4xx naming the field', async () => {
    const server = await serveRoute();
    try {
      const refused = receivesNothing('out', 1000);
      expect(await post(server.url, JSON.stringify({ text: 'x'.repeat(1024 * 1024) }))).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large', field: 'body' } } });
      expect(await post(server.url, new Uint8Array(gzipSync(nested(3000))), { ...json, 'content-encoding': 'gzip' })).toEqual({ status: 400, body: tooDeep });
      const bomb = new Uint8Array(gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20)));
      expect(await post(server.url, bomb, { ...json, 'content-encoding': 'gzip' })).toMatchObject({ status: 413, body: { error: { field: 'body' } } });
      expect(await post(server.url, `a${'[b]'.repeat(33)}=1`, { 'content-type': 'application/x-www-form-urlencoded' })).toMatchObject({
        status: 400,
        body: { error: { field: 'body', message: 'body: nested deeper than 32 levels' } },
      });
      expect(await post(server.url, '{}', { ...json, 'content-encoding': 'br' })).toMatchObject({ status: 400, body: { error: { field: 'content-encoding' } } });
      expect(await refused).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('checks a body read raw before it (a route that skips body parsing)', async () => {
    const server = await serveRoute({ skipBodyParsing: true });
    try {
      const refused = receivesNothing('out');
      expect(await post(server.url, nested(3000))).toEqual({ status: 400, body: tooDeep });
      expect(await refused).toBe(true);
      const received = nextMessage('out');
      await post(server.url, nested(64));
      expect(Buffer.from((await received).payload).toString()).toBe(nested(64));
    } finally {
      await server.close();
    }
  });

  it('checks a body parsed before it (the editor parses bodies when both apps share a root)', async () => {
    const server = await serveRoute({ before: (RED) => RED.httpNode.use(express.json({ limit: '5mb' })) });
    try {
      const refused = receivesNothing('out');
      expect(await post(server.url, nested(3000))).toEqual({ status: 400, body: tooDeep });
      expect(await refused).toBe(true);
    } finally {
      await server.close();
    }
  });
});
