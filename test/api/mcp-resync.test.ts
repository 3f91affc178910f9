// MCP resource subscribers of an engine whose change feed resynced: two engines on one PostgreSQL
// database, the MCP server on B, B's listener away while A writes and the log rows it missed
// pruned. B cannot know which rooms changed, so every subscription of every session is told its
// resource changed, and a re-read shows what B never heard.
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Engine, FlowProvider, type Binding, type PostgresStore, type RoomEvent } from '../../runtime/src';
import { pruneChangeLog, storeWithAwayListener } from '../support/away-listener';
import { dropSchema, freshSchema, postgresAvailable, postgresStore } from '../support/postgres';
import { until } from '../support/wait';
import { WRITE, serveApi } from './support';

const VISITOR = 'visitor-token-0123456789';

const withPostgres = await postgresAvailable();
const schemas: string[] = [];
const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

async function engineWithChat(store: PostgresStore): Promise<Engine> {
  const engine = await Engine.open({ store });
  closing.push(() => engine.close());
  await engine.registerChannel({ id: 'chat', type: 'webchat', provider: new FlowProvider() });
  return engine;
}

/** The URIs a client is told changed, in arrival order. */
function updates(client: Client): string[] {
  const updated: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
  return updated;
}

async function timelineTexts(client: Client, uri: string): Promise<unknown[]> {
  const read = await client.readResource({ uri: `${uri}?limit=1000` });
  return (JSON.parse((read.contents[0] as { text: string }).text).events as RoomEvent[]).flatMap((e) => (e.type === 'message' ? [e.content.text] : []));
}

describe.skipIf(!withPostgres)('MCP resource subscribers when their engine resyncs', () => {
  it('tells every subscribed resource of every session, a participant too, that it changed, without waiting for a later write; a re-read shows what was missed', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const a = await engineWithChat(postgresStore(schema));
    const { bindings } = await a.call<{ bindings: Binding[] }>('createRoom', { id: 'r1', bindings: [{ channelId: 'chat', address: 'visitor-1' }] });
    await a.call('createRoom', { id: 'r2' });
    // B opens after A's first commits: they are the newest log rows it has heard.
    const away = storeWithAwayListener(schema);
    const b = await engineWithChat(away.store);
    const api = await serveApi(b, [{ token: VISITOR, scope: 'write', binding: bindings[0]!.id, name: 'visitor' }]);
    closing.push(() => api.close());

    const timeline = 'roomwire://rooms/r1/timeline';
    const otherRoom = 'roomwire://rooms/r2';
    const operator = await api.mcp(WRITE);
    const toOperator = updates(operator);
    await operator.subscribeResource({ uri: timeline });
    await operator.subscribeResource({ uri: otherRoom });
    const visitor = await api.mcp(VISITOR);
    const toVisitor = updates(visitor);
    await visitor.subscribeResource({ uri: timeline });

    await away.goAway();
    // The visitor's own message: no delivery whose status changes would tell the subscribers later.
    await a.call('sendEvent', { roomId: 'r1', bindingId: bindings[0]!.id, content: { type: 'text', text: 'written while b was away' } });
    await pruneChangeLog(schema);
    await away.comeBack();

    // Nothing is written after the resync: only the resync can tell them.
    await until(() => toOperator.length === 2 && toVisitor.length === 1, 'every subscription told after the resync');
    expect([...toOperator].sort()).toEqual([otherRoom, timeline].sort());
    expect(toVisitor).toEqual([timeline]);
    expect(await timelineTexts(operator, timeline)).toEqual(['written while b was away']);
    expect(await timelineTexts(visitor, timeline)).toEqual(['written while b was away']);
    expect(api.errors).toEqual([]);
  });
});
