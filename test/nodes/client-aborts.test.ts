// A client that closes the connection in the middle of its body is a normal event: on an `http in`
// route that skips body parsing, Node-RED's own body reader passes the abort to Express's final
// handler, which prints a stack per request. Once an engine node is deployed, that error is logged
// at debug level and stops there; any other error goes on to the handlers after it, as before.
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { leaveMidBody } from '../support/hostile-requests';
import { allNodes, engineConfig, helper, onTab, red, removeTempDirs, serveHttpNode, until, type NodeInit } from './support';

const require = createRequire(import.meta.url);
const httpIn = require(require.resolve('@node-red/nodes/core/network/21-httpin.js', { paths: [require.resolve('node-red')] })) as NodeInit;

afterEach(async () => {
  await helper.unload();
  removeTempDirs();
});

const debugLines = () =>
  helper
    .log()
    .args.map((args: unknown[]) => args[0] as { level?: number; msg?: unknown })
    .filter((entry: { level?: number }) => entry.level === 50)
    .map((entry: { msg?: unknown }) => String(entry.msg));

describe('a client that leaves mid-body on an http in route', () => {
  it('is a debug line, while other errors still reach the handlers after it', async () => {
    await helper.load(
      [...allNodes(), httpIn],
      [engineConfig(), ...onTab([{ id: 'said', type: 'http in', url: '/said', method: 'post', skipBodyParsing: true, wires: [[]] }])],
    );
    const reported: unknown[] = [];
    red!.httpNode.post('/broken', (_req, _res, next) => next(new Error('the disk is on fire')));
    red!.httpNode.use((error: unknown, _req: unknown, res: { status(code: number): { end(): void } }, _next: unknown) => {
      reported.push(error);
      res.status(500).end();
    });
    const server = await serveHttpNode();
    try {
      await leaveMidBody(`${server.url}/said`);
      await until(() => debugLines().some((line) => line.includes('closed the connection')), 'the debug line');

      expect((await fetch(`${server.url}/broken`, { method: 'POST' })).status).toBe(500);
      expect(reported).toEqual([new Error('the disk is on fire')]);
    } finally {
      await server.close();
    }
  });
});
