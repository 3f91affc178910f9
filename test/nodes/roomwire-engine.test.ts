// roomwire-engine: one engine per config node, opened on first use and closed with the node; its
// database path rules; its HTTP routes (webhooks, REST with a token) mounted once per prefix and
// dispatched to whichever engine serves the prefix now.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import {
  allNodes,
  channelConfigs,
  engineConfig,
  engineOf,
  errors,
  helper,
  lastStatus,
  onTab,
  red,
  removeTempDirs,
  serveHttpNode,
  tempDir,
  until,
} from './support';

afterEach(async () => {
  await helper.unload();
  removeTempDirs();
  delete process.env.ROOMWIRE_DB;
});

const send = (id: string) => ({ id, type: 'roomwire-send', engine: 'engine', roomId: 'r1', wires: [] });

function routeCount(prefix: string): number {
  const stack = (red!.httpNode as unknown as { _router: { stack: { route?: { path: string } }[] } })._router.stack;
  return stack.filter((layer) => layer.route?.path.startsWith(prefix)).length;
}

describe('roomwire-engine: the database', () => {
  it('opens the configured file on first use, logs its absolute path and shows ready on its users', async () => {
    const database = path.join(tempDir(), 'nested', 'rooms.sqlite');
    await helper.load(allNodes(), [engineConfig('engine', { database }), ...onTab([send('s')])]);
    await engineOf().call('createRoom', { id: 'r1' });
    expect(existsSync(database)).toBe(true);
    const logged = helper.log().args.map((args: unknown[]) => (args[0] as { msg?: unknown }).msg);
    expect(logged).toContain(`Roomwire engine ready: database ${database}`);
    expect(lastStatus('s')).toEqual({ fill: 'green', shape: 'dot', text: 'ready' });
  });

  it('uses $ROOMWIRE_DB when the path is empty', async () => {
    process.env.ROOMWIRE_DB = path.join(tempDir(), 'from-env.sqlite');
    await helper.load(allNodes(), [engineConfig('engine', { database: '' })]);
    await engineOf().call('createRoom', {});
    expect(existsSync(process.env.ROOMWIRE_DB)).toBe(true);
  });

  it('falls back to <userDir>/roomwire.sqlite for an unset ${VAR}', async () => {
    const userDir = tempDir();
    helper.settings({ userDir });
    try {
      await helper.load(allNodes(), [engineConfig('engine', { database: '${ROOMWIRE_NOT_SET_ANYWHERE}' })]);
      await engineOf().call('createRoom', {});
      expect(existsSync(path.join(userDir, 'roomwire.sqlite'))).toBe(true);
    } finally {
      helper.settings({ userDir: undefined });
    }
  });

  it('shows a database error on its users and fails their calls when the file cannot be opened', async () => {
    const notADirectory = path.join(tempDir(), 'file');
    writeFileSync(notADirectory, 'x');
    await helper.load(allNodes(), [engineConfig('engine', { database: path.join(notADirectory, 'db.sqlite') }), ...onTab([send('s')])]);
    await expect(engineOf().call('createRoom', {})).rejects.toThrow();
    await until(() => lastStatus('s')?.text === 'database error', 'the database error status');
    expect(lastStatus('s')).toMatchObject({ fill: 'red' });
    expect(errors('engine').some((e) => e.includes('cannot open the database'))).toBe(true);
  });

  it('closes the engine when the node stops', async () => {
    await helper.load(allNodes(), [engineConfig()]);
    const shared = engineOf();
    await shared.call('createRoom', { id: 'r1' });
    await helper.unload();
    await expect(shared.call('getRoom', { roomId: 'r1' })).rejects.toThrow(/closed/);
  });
});

describe('roomwire-engine: HTTP routes', () => {
  const flowWithToken = (extra: Record<string, unknown> = {}) => [engineConfig('engine', extra), ...channelConfigs()];

  it('serves the webhook route, and the REST API only with the bearer token', async () => {
    await helper.load(allNodes(), flowWithToken(), { engine: { apiToken: 'tok' } });
    const server = await serveHttpNode();
    try {
      const inbound = await fetch(`${server.url}/roomwire/webhook/web`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: 'alice', text: 'hi' }),
      });
      expect(inbound.status).toBe(200);
      const { accepted } = (await inbound.json()) as { accepted: { roomId: string }[] };

      expect((await fetch(`${server.url}/roomwire/api/operations`)).status).toBe(401);
      const auth = { authorization: 'Bearer tok', 'content-type': 'application/json' };
      const list = await fetch(`${server.url}/roomwire/api/operations`, { headers: auth });
      expect(((await list.json()) as { operations: { name: string }[] }).operations.map((o) => o.name)).toContain('sendEvent');
      const timeline = await fetch(`${server.url}/roomwire/api/operations/getTimeline`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ roomId: accepted[0]!.roomId }),
      });
      const { events } = (await timeline.json()) as { events: { content: { text?: string } }[] };
      expect(events.map((e) => e.content.text)).toContain('hi');
    } finally {
      await server.close();
    }
  });

  it('keeps the REST API closed when no token is set', async () => {
    await helper.load(allNodes(), flowWithToken());
    const server = await serveHttpNode();
    try {
      const res = await fetch(`${server.url}/roomwire/api/operations`, { headers: { authorization: 'Bearer ' } });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/no token/);
    } finally {
      await server.close();
    }
  });

  it('reads webhook bodies even when a body parser runs before its routes (the editor app does)', async () => {
    // Node-RED mounts the editor's app, with its JSON body parser, ahead of the HTTP In app.
    const parseFirst = allNodes();
    const [recordRed, ...rest] = parseFirst;
    const withParser = (RED: Parameters<typeof recordRed>[0]) => {
      RED.httpNode.use(express.json());
      recordRed!(RED);
    };
    await helper.load([withParser, ...rest], flowWithToken());
    const server = await serveHttpNode();
    try {
      const res = await fetch(`${server.url}/roomwire/webhook/web`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: 'bob', text: 'hello' }),
        signal: AbortSignal.timeout(2000),
      });
      expect(res.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('mounts its routes once: a redeploy serves the new engine through the same routes', async () => {
    await helper.load(allNodes(), flowWithToken());
    const before = routeCount('/roomwire');
    const firstDatabase = path.join(tempDir(), 'second.sqlite');
    await helper.setFlows([engineConfig('engine', { database: firstDatabase }), ...channelConfigs()], 'full');
    await helper.setFlows([engineConfig('engine', { database: firstDatabase, name: 'renamed' }), ...channelConfigs()], 'full');
    expect(routeCount('/roomwire')).toBe(before);
    const server = await serveHttpNode();
    try {
      const res = await fetch(`${server.url}/roomwire/webhook/web`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: 'carol', text: 'after the redeploy' }),
      });
      expect(res.status).toBe(200);
      const { accepted } = (await res.json()) as { accepted: { roomId: string }[] };
      const room = await engineOf().call<{ room: { id: string } }>('getRoom', { roomId: accepted[0]!.roomId });
      expect(room.room.id).toBe(accepted[0]!.roomId);
    } finally {
      await server.close();
    }
  });

  it('answers 404 JSON on a prefix no engine serves any more', async () => {
    await helper.load(allNodes(), flowWithToken());
    await helper.setFlows([engineConfig('engine', { httpPrefix: '/elsewhere' }), ...channelConfigs()], 'full');
    const server = await serveHttpNode();
    try {
      const res = await fetch(`${server.url}/roomwire/webhook/web`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
      const moved = await fetch(`${server.url}/elsewhere/webhook/web`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: 'dave', text: 'here now' }),
      });
      expect(moved.status).toBe(200);
    } finally {
      await server.close();
    }
  });

});

describe('roomwire-engine: a second engine on a path or database already in use', () => {
  const sendOf = (id: string, engine: string) => ({ id, type: 'roomwire-send', engine, roomId: 'r1', wires: [] });

  it('is an error at deploy and a red status on its nodes, never ready, while the first engine serves', async () => {
    // Same prefix (/roomwire), databases of their own.
    await helper.load(allNodes(), [engineConfig('engine'), engineConfig('engine2'), ...onTab([sendOf('first', 'engine'), sendOf('second', 'engine2')])]);
    expect(errors('engine2')).toEqual([expect.stringMatching(/HTTP routes not mounted: .*\/roomwire is already served by engine node engine/)]);
    expect(errors('engine')).toEqual([]);
    await engineOf('engine').ready();
    await engineOf('engine2').ready();
    await until(() => lastStatus('first')?.text === 'ready', 'the first engine to be ready');
    expect(lastStatus('second')).toEqual({ fill: 'red', shape: 'ring', text: 'HTTP path in use' });
  });

  it('refuses a database file another engine node has open, naming it, and fails the calls of its nodes', async () => {
    const database = path.join(tempDir(), 'shared.sqlite');
    await helper.load(allNodes(), [
      engineConfig('engine', { database }),
      engineConfig('engine2', { database, httpPrefix: '/roomwire-2' }),
      ...onTab([sendOf('first', 'engine'), sendOf('second', 'engine2')]),
    ]);
    expect(errors('engine2')).toEqual([expect.stringContaining(`the database ${database} is already used by engine node engine`)]);
    await expect(engineOf('engine2').call('createRoom', { id: 'r1' })).rejects.toThrow(/already used by engine node engine/);
    expect(lastStatus('second')).toEqual({ fill: 'red', shape: 'ring', text: 'database in use' });
    await engineOf('engine').call('createRoom', { id: 'r1' });
    expect(lastStatus('first')).toMatchObject({ fill: 'green', text: 'ready' });
  });
});
