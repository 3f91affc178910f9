// Three real Node-RED instances with the same flow file on one PostgreSQL database (the engine
// node's store set to PostgreSQL): a webhook posted to instance A reaches the `room in` node of
// instance C and a web chat page (a real WebSocket client) connected to instance C, through the
// change feed, and the room's inactivity timer fires once across the three.
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeRed, type NodeRed } from '../support/node-red';
import { startReceiver, type Receiver } from '../support/receiver';
import { until } from '../support/wait';
import { POSTGRES_URL, dropSchema, freshSchema, pgQuery, postgresAvailable } from '../support/postgres';
import pg from 'pg';
import { connectionConfig } from '../../runtime/src/store/postgres/connection';
import { chatTokenKey, signChatToken } from '../../runtime/src/webchat/tokens';
import { ChatClient } from '../webchat/support';

const withPostgres = await postgresAvailable();
const schema = freshSchema();
/** The instances share the key that signs chat tokens, as instances behind one load balancer must. */
const CHAT_SECRET = 'one chat key for the three instances';

/** The same flows on every instance: an engine on PostgreSQL, an SMS-like webhook channel, a web chat channel, room "shared", a `room in` node reporting to the test. */
const FLOWS = [
  { id: 'tab', type: 'tab', label: 'scale-out' },
  { id: 'engine', type: 'roomwire-engine', name: 'shared engine', store: 'postgres', poolSize: 4, database: '', maxChainDepth: 5, httpPrefix: '/roomwire', version: 1 },
  { id: 'sms-channel', type: 'roomwire-channel', name: 'sms', engine: 'engine', channelId: 'sms', channelType: 'webhook', direction: 'bidirectional', profile: '', outboundUrl: '${ROOMWIRE_TEST_RECEIVER}outbound/{address}', provider: 'webhook', routeByIdentity: false, autoJoin: false, version: 1 },
  { id: 'chat-channel', type: 'roomwire-channel', name: 'chat', engine: 'engine', channelId: 'chat', channelType: 'webchat', provider: 'webchat', version: 1 },
  { id: 'create', type: 'inject', z: 'tab', props: [{ p: 'payload' }], once: true, onceDelay: 0.5, payload: '{"timers":{"inactiveAfter":"PT3S"}}', payloadType: 'json', wires: [['room']] },
  { id: 'room', type: 'roomwire-room', z: 'tab', engine: 'engine', operation: 'create', roomId: 'shared', participants: [
      { channel: 'sms-channel', address: 'customer', audience: 'external', access: 'read_write', visibility: 'all', muted: false },
      { channel: 'chat-channel', address: 'visitor', audience: 'external', access: 'read_write', visibility: 'all', muted: false },
    ], version: 1, wires: [[]] },
  { id: 'in', type: 'roomwire-room-in', z: 'tab', engine: 'engine', mode: 'events', roomId: 'shared', channelIds: '', eventTypes: 'message', includeBlocked: false, channel: '', onlyChannel: false, version: 1, wires: [['report']] },
  { id: 'report', type: 'function', z: 'tab', func: "msg.url = env.get('ROOMWIRE_TEST_RECEIVER') + 'room-in/' + env.get('ROOMWIRE_TEST_INSTANCE');\nmsg.method = 'POST';\nreturn msg;", outputs: 1, wires: [['post']] },
  { id: 'post', type: 'http request', z: 'tab', method: 'use', ret: 'txt', url: '', wires: [[]] },
];

const instances: NodeRed[] = [];
let receiver: Receiver | undefined;
let page: ChatClient | undefined;

afterAll(async () => {
  page?.close();
  for (const instance of instances) await instance.stop();
  await receiver?.close();
  if (withPostgres) await dropSchema(schema);
});

describe.skipIf(!withPostgres)('three Node-RED instances on one PostgreSQL database', () => {
  it('a webhook posted to A reaches the room in node and a web chat page on C; the lifecycle timer fires once across the three', async () => {
    const admin = new pg.Client(connectionConfig(POSTGRES_URL));
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    receiver = await startReceiver(200);
    const url = `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    for (const name of ['a', 'b', 'c']) {
      instances.push(
        await startNodeRed({
          flows: FLOWS,
          env: { ROOMWIRE_POSTGRES_URL: url, ROOMWIRE_TEST_RECEIVER: receiver.url, ROOMWIRE_TEST_INSTANCE: name, ROOMWIRE_CHAT_SECRET: CHAT_SECRET },
          startTimeoutMs: 90_000,
        }),
      );
    }
    const [a, , c] = instances as [NodeRed, NodeRed, NodeRed];
    await until(async () => (await pgQuery(schema, "SELECT id FROM rooms WHERE id = 'shared'")).length === 1, 'room shared', 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${instances.map((i) => i.logs()).join('\n----\n')}`);
    });

    // The visitor's page on C, with a token signed by the key the instances share.
    const [visitor] = await pgQuery<{ id: string }>(schema, "SELECT id FROM bindings WHERE room_id = 'shared' AND channel_id = 'chat'");
    const token = signChatToken(chatTokenKey(CHAT_SECRET), { bindingId: visitor!.id, roomId: 'shared', channelId: 'chat', expiresAt: Math.floor(Date.now() / 1000) + 600 });
    page = await ChatClient.connect(`${c.httpNodeUrl.replace('http', 'ws')}roomwire/chat/ws?channel=chat&token=${encodeURIComponent(token)}`);
    await page.hello();

    const posted = await fetch(`${a.httpNodeUrl}roomwire/webhook/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: 'customer', text: 'hello via A', id: 'wh-1', roomId: 'shared' }),
    });
    expect(posted.status, await posted.text()).toBe(200);

    const reported = (instance: string) =>
      receiver!.requests.filter((r) => r.url === `/room-in/${instance}`).map((r) => JSON.parse(r.body.toString('utf8')) as { content?: { text?: string } });
    for (const instance of ['a', 'c']) {
      await until(() => reported(instance).some((m) => m.content?.text === 'hello via A'), `${instance}'s room in node reporting the message`, 30_000);
    }
    expect(reported('c').filter((m) => m.content?.text === 'hello via A')).toHaveLength(1);
    expect(reported('a').filter((m) => m.content?.text === 'hello via A')).toHaveLength(1);
    expect(c.logs()).toContain('Roomwire engine ready');
    await page.next('event', (f) => f.event.content.text === 'hello via A');
    expect(page.events().filter((e) => e.content.text === 'hello via A')).toHaveLength(1);
    // A sends the page's delivery with no page of its own; C, which holds the page, records it delivered.
    const pageDelivery = () =>
      pgQuery<{ status: string }>(schema, "SELECT d.status FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.binding_id = $1 AND e.provider_message_id = 'wh-1'", [visitor!.id]);
    await until(async () => (await pageDelivery())[0]?.status === 'delivered', "the page's delivery recorded delivered", 30_000);

    // Three seconds without traffic after the message: one instance pauses the room, once. (The
    // room may also have paused before the message, which resumed it.)
    const [message] = await pgQuery<{ idx: number }>(schema, "SELECT idx FROM events WHERE room_id = 'shared' AND provider_message_id = 'wh-1'");
    await until(async () => (await pgQuery(schema, "SELECT id FROM rooms WHERE id = 'shared' AND state = 'paused'")).length === 1, 'the room paused by its timer', 30_000);
    const pausedAfter = () => pgQuery(schema, `SELECT idx FROM events WHERE room_id = 'shared' AND idx > $1 AND data LIKE '%"code":"room.paused"%'`, [message!.idx]);
    expect(await pausedAfter()).toHaveLength(1);
    // Every instance's scheduler has passed the due time by now (each polls every 5 s at most).
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(await pausedAfter()).toHaveLength(1);
  }, 240_000);
});
