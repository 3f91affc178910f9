// The MCP server (issue 13) through the official SDK client, over Streamable HTTP and over stdio
// (spawning bin/roomwire-mcp.js, which relays to the HTTP endpoint with its token): tools and
// resources are listed, a message sent by tool reads back from the timeline resource, a watcher is
// told when another participant writes, and the token's scope and binding bound what it may do.
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomEvent } from '../../runtime/src';
import { cleanupAll, createRoom, until, type TestRoom } from '../runtime/support/engine';
import { READ, WRITE, startApiServer, type ApiServer } from './support';

const AGENT = 'agent-token-0123456789';
const VISITOR = 'visitor-token-0123456789';
const WATCHER = 'watcher-token-0123456789';
const BIN = fileURLToPath(new URL('../../bin/roomwire-mcp.js', import.meta.url));

let server: ApiServer;
let room: TestRoom;
let watched: TestRoom;

beforeAll(async () => {
  server = await startApiServer(async (test) => {
    room = await createRoom(test.engine);
    watched = await createRoom(test.engine);
    return [
      { token: WATCHER, scope: 'write', binding: watched.b['visitor-1']!.id, name: 'watcher' },
      { token: AGENT, scope: 'write', binding: room.b['agent-1']!.id, name: 'agent' },
      { token: VISITOR, scope: 'write', binding: room.b['visitor-1']!.id, name: 'visitor' },
    ];
  });
});

afterAll(async () => {
  expect(server.errors).toEqual([]);
  await server?.close();
  await cleanupAll();
});

const text = (result: Record<string, unknown>) => JSON.parse((result.content as { text: string }[])[0]!.text);
const timelineUri = () => `roomwire://rooms/${room.room.id}/timeline`;

async function timelineTexts(client: Client, uri = `${timelineUri()}?limit=1000`): Promise<unknown[]> {
  const read = await client.readResource({ uri });
  return (JSON.parse((read.contents[0] as { text: string }).text).events as RoomEvent[]).map((e) => e.content.text);
}

describe('MCP over Streamable HTTP', () => {
  it('lists tools with annotations and rooms as resources', async () => {
    const client = await server.mcp(WRITE);
    const { tools } = await client.listTools();
    const send = tools.find((t) => t.name === 'send_message')!;
    expect(send.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(tools.find((t) => t.name === 'get_timeline')!.annotations).toMatchObject({ readOnlyHint: true });
    expect(tools.find((t) => t.name === 'close_room')!.annotations).toMatchObject({ destructiveHint: true });
    const names = tools.map((t) => t.name);
    for (const name of ['create_task', 'add_observation', 'attach_binding', 'detach_binding', 'mute_binding', 'unmute_binding', 'set_visibility', 'set_access', 'merge_identities', 'list_rooms', 'list_room_deliveries']) {
      expect(names, name).toContain(name);
    }
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain(`roomwire://rooms/${room.room.id}`);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['roomwire://rooms/{roomId}', 'roomwire://rooms/{roomId}/timeline{?after,limit}']);
  });

  it('sends a message as its binding and reads it back from the timeline resource, paged', async () => {
    const client = await server.mcp(AGENT);
    const sent = await client.callTool({ name: 'send_message', arguments: { text: 'hello from MCP' } });
    expect(sent.isError).toBeFalsy();
    expect((sent.structuredContent as { event: RoomEvent }).event.source.bindingId).toBe(room.b['agent-1']!.id);
    expect(await timelineTexts(client)).toContain('hello from MCP');
    const index = (sent.structuredContent as { event: RoomEvent }).event.index;
    const page = await client.readResource({ uri: `${timelineUri()}?after=${index - 1}&limit=1` });
    const body = JSON.parse((page.contents[0] as { text: string }).text);
    expect(body.events.map((e: RoomEvent) => e.index)).toEqual([index]);
    expect(body.nextAfter).toBe(index);
  });

  it('tells a subscriber when another participant writes in the room it watches', async () => {
    const client = await server.mcp(AGENT);
    const updated: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
    await client.subscribeResource({ uri: timelineUri() });
    await server.rest('POST', `/rooms/${room.room.id}/messages`, { token: VISITOR, body: { text: 'visitor writes' } });
    await until(() => updated.length > 0, 'a resources/updated notification');
    expect(updated[0]).toBe(timelineUri());
    // After unsubscribing, a write tells it nothing more.
    await client.unsubscribeResource({ uri: timelineUri() });
    const seen = updated.length;
    await server.rest('POST', `/rooms/${room.room.id}/messages`, { token: VISITOR, body: { text: 'again' } });
    expect(await timelineTexts(client)).toContain('again');
    expect(updated).toHaveLength(seen);
  });

  it('tells a participant about writes only while its binding may read them now, not as it was when it subscribed', async () => {
    const client = await server.mcp(WATCHER);
    const updated: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
    const uri = `roomwire://rooms/${watched.room.id}/timeline`;
    await client.subscribeResource({ uri });
    const agentSays = (text: string) => server.rest('POST', `/rooms/${watched.room.id}/messages`, { body: { text, bindingId: watched.b['agent-1']!.id } });
    await agentSays('one');
    await until(() => updated.length === 1, 'the first notification');
    const access = (value: string) => server.rest('PATCH', `/bindings/${watched.b['visitor-1']!.id}`, { body: { access: value } });
    expect((await access('write_only')).status).toBe(200);
    await agentSays('not for a write-only participant');
    expect((await access('read_write')).status).toBe(200);
    await agentSays('two');
    await until(() => updated.length >= 2, 'the notification after access came back');
    await server.test.engine.idle();
    expect(updated).toEqual([uri, uri]);
  });

  it('refuses a client without a token, or with an unknown one', async () => {
    const refused: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-known-token-123' }];
    for (const headers of refused) {
      const client = new Client({ name: 'anonymous', version: '1.0.0' });
      await expect(client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }))).rejects.toThrow(/401|unauthorized|token/i);
    }
  });

  it('refuses a write with a read token, naming why, and stores nothing', async () => {
    const client = await server.mcp(READ);
    const before = await timelineTexts(await server.mcp(WRITE));
    const result = await client.callTool({ name: 'send_message', arguments: { roomId: room.room.id, text: 'not allowed' } });
    expect(result.isError).toBe(true);
    expect(text(result).error.code).toBe('forbidden');
    expect(await timelineTexts(await server.mcp(WRITE))).toEqual(before);
  });

  it('shows a client acting as a binding only what that binding may see', async () => {
    await server.test.engine.call('sendEvent', { roomId: room.room.id, content: { type: 'text', text: 'secret internal note' }, visibility: 'internal' });
    const visitor = await server.mcp(VISITOR);
    expect(await timelineTexts(visitor)).not.toContain('secret internal note');
    const viaTool = await visitor.callTool({ name: 'get_timeline', arguments: { limit: 1000 } });
    expect((viaTool.structuredContent as { events: RoomEvent[] }).events.map((e) => e.content.text)).not.toContain('secret internal note');
    const audit = await visitor.callTool({ name: 'get_timeline', arguments: { audit: true } });
    expect(text(audit).error).toMatchObject({ code: 'forbidden', field: 'audit' });
    // The internal agent's binding sees it.
    expect(await timelineTexts(await server.mcp(AGENT))).toContain('secret internal note');
    // And another room is out of reach.
    const other = await server.rest('POST', '/rooms', { body: {} });
    await expect(visitor.readResource({ uri: `roomwire://rooms/${other.body.room.id}` })).rejects.toThrow(/roomId/);
  });
});

describe('MCP sessions', () => {
  it('keeps a bounded number of sessions a token: one more closes its least recently used', async () => {
    const capped = await startApiServer(async () => [], { maxSessionsPerToken: 3 });
    try {
      const clients = [await capped.mcp(READ), await capped.mcp(READ), await capped.mcp(READ)];
      // The first is used again: the second is now the least recently used.
      await clients[0]!.listTools();
      const newest = await capped.mcp(READ);
      await expect(clients[1]!.listTools()).rejects.toThrow(/404|session/i);
      for (const client of [clients[0]!, clients[2]!, newest]) expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      // Another token's sessions are its own.
      expect((await (await capped.mcp(WRITE)).listTools()).tools.length).toBeGreaterThan(0);
      expect((await clients[0]!.listTools()).tools.length).toBeGreaterThan(0);
    } finally {
      await capped.close();
    }
  });
});

describe('MCP over stdio (roomwire-mcp)', () => {
  async function stdioClient(token: string): Promise<Client> {
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, '--url', `${server.url}/mcp`], env: { ...process.env, ROOMWIRE_TOKEN: token } as Record<string, string>, stderr: 'pipe' }));
    return client;
  }

  it('relays tools and resources to the running instance with its token', async () => {
    const client = await stdioClient(AGENT);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('send_message');
      const sent = await client.callTool({ name: 'send_message', arguments: { text: 'over stdio' } });
      expect(sent.isError).toBeFalsy();
      expect(await timelineTexts(client)).toContain('over stdio');
      const updated: string[] = [];
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
      await client.subscribeResource({ uri: timelineUri() });
      await server.rest('POST', `/rooms/${room.room.id}/messages`, { token: VISITOR, body: { text: 'visitor again' } });
      await until(() => updated.length > 0, 'a resources/updated notification over stdio');
    } finally {
      await client.close();
    }
  });

  it('reports a refused token instead of hanging', async () => {
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await expect(
      client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, '--url', `${server.url}/mcp`, '--token', 'wrong-token-0123456789'], stderr: 'pipe' })),
    ).rejects.toThrow(/401|unauthorized|token/i);
    await client.close();
  });
});
