// DESIGN.md sections 4, 12 and 14 for web chat, over real WebSocket clients against a real HTTP
// server and a real engine on SQLite: who a token opens, what a page is shown, typing, receipts,
// delivery status, postbacks, resume without gap or duplicate (also across a restart), bad
// frames, a page that stops reading, and the start endpoint's rate limit.
import { afterEach, describe, expect, it } from 'vitest';
import { signChatToken, type Binding, type RoomEvent } from '../../runtime/src';
import { recordUnhandledRejections } from '../support/unhandled';
import { until } from '../support/wait';
import { CHAT_SECRET, ChatClient, startChatHarness, type ChatHarness } from './support';

let harness: ChatHarness;
const unhandled = recordUnhandledRejections();
afterEach(async () => harness?.close());

async function storedState(h: ChatHarness, roomId: string) {
  const { room, bindings } = await h.engine.call<any>('getRoom', { roomId });
  const { events } = await h.engine.call<any>('getTimeline', { roomId, audit: true, limit: 1000 });
  return { latestIndex: room.latestIndex, bindings: bindings.length, events: events.length };
}

async function refusal(url: string): Promise<number> {
  try {
    const client = await ChatClient.connect(url);
    client.close();
    return 101;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

describe('§12 web chat tokens: a token only ever opens its own binding', () => {
  it('refuses forged, tampered, expired, cross-channel and departed tokens with 4xx and stores nothing', async () => {
    harness = await startChatHarness();
    const { roomId, visitor, token } = await harness.room();
    const before = await storedState(harness, roomId);
    const key = Buffer.from(CHAT_SECRET);
    const [payload, signature] = token.split('.');
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    const forged = signChatToken(Buffer.from('not the engine key'), { bindingId: visitor, roomId, channelId: 'chat', expiresAt: inAnHour });
    const tampered = `${Buffer.from(JSON.stringify({ b: 'bd_other', r: roomId, c: 'chat', e: inAnHour })).toString('base64url')}.${signature}`;
    const expired = signChatToken(key, { bindingId: visitor, roomId, channelId: 'chat', expiresAt: Math.floor(Date.now() / 1000) - 1 });

    expect(await refusal(harness.wsUrl(forged))).toBe(401);
    expect(await refusal(harness.wsUrl(tampered))).toBe(401);
    expect(await refusal(harness.wsUrl(`${payload}.`))).toBe(401);
    expect(await refusal(harness.wsUrl('garbage'))).toBe(401);
    expect(await refusal(harness.wsUrl(expired))).toBe(401);
    // A valid token presented on another web chat channel: refused, it opens its own channel only.
    expect(await refusal(harness.wsUrl(token, 'other-chat'))).toBe(403);
    expect(await refusal(harness.wsUrl(token, 'no-such-channel'))).toBe(404);
    expect(await storedState(harness, roomId)).toEqual(before);

    // The same token on its own channel opens its binding...
    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();
    expect(client.frames[0]).toMatchObject({ type: 'welcome', roomId, bindingId: visitor });
    client.close();
    // ...until the binding leaves the room.
    await harness.engine.call('detachBinding', { bindingId: visitor });
    expect(await refusal(harness.wsUrl(token))).toBe(403);
  });

  it('the token operations: issue only for web chat bindings, redeem names the binding', async () => {
    harness = await startChatHarness();
    const { roomId, visitor, agent, token } = await harness.room();
    await expect(harness.engine.call('issueChatToken', { bindingId: agent })).rejects.toThrow(/not a web chat channel/);
    expect(await harness.engine.call('redeemChatToken', { token })).toMatchObject({ bindingId: visitor, roomId, channelId: 'chat' });
  });
});

describe('§4 what a web chat page is shown', () => {
  it('history is what the binding may see: internal notes and blocked events are left out', async () => {
    harness = await startChatHarness();
    const { roomId, agent, token } = await harness.room();
    await harness.engine.call('sendEvent', { roomId, bindingId: agent, content: { type: 'text', text: 'welcome' } });
    await harness.engine.call('sendEvent', { roomId, content: { type: 'text', text: 'internal note' }, visibility: 'internal' });
    await harness.engine.call('updateBinding', { bindingId: agent, muted: true });
    await harness.engine.call('sendEvent', { roomId, bindingId: agent, content: { type: 'text', text: 'muted words' } });

    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();
    const texts = client.events().map((e) => e.content.text);
    expect(texts).toEqual(['welcome']);
    expect(client.events()[0]).toMatchObject({ from: { own: false, name: 'Ann', channelType: 'agent' } });
    expect(JSON.stringify(client.frames)).not.toMatch(/internal note|muted words/);
  });

  it('live: the agent reply arrives, the visitor message reaches the agent, delivery status follows', async () => {
    harness = await startChatHarness();
    const { roomId, agent, token } = await harness.room();
    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();

    const reply = await harness.engine.call<any>('sendEvent', { roomId, bindingId: agent, content: { type: 'text', text: 'how can I help?' } });
    await client.next('event', (f) => f.event.content.text === 'how can I help?');
    // The page took it: the visitor's delivery is `delivered`.
    await until(async () => (await harness.engine.call<any>('getDeliveries', { eventId: reply.event.id })).deliveries[0].status === 'delivered', 'delivered');

    client.send({ type: 'send', content: { type: 'text', text: 'my order is late' }, clientId: 'c1' });
    const ack = await client.next('ack', (f) => f.clientId === 'c1');
    expect(ack.status).toBe('committed');
    await until(() => harness.staffReceived.find((m) => m.event.id === ack.eventId), 'the agent receives it');
    await client.next('status', (f) => f.eventId === ack.eventId && f.status === 'delivered');
    // Its own message comes back in the stream once, marked as its own.
    await until(() => client.events().find((e) => e.id === ack.eventId && e.from.own), 'own message in the stream');

    // A retry with the same clientId is stored once.
    client.send({ type: 'send', content: { type: 'text', text: 'my order is late' }, clientId: 'c1' });
    await until(() => client.frames.filter((f) => f.type === 'ack' && f.clientId === 'c1').length === 2, 'second ack');
    expect(client.frames.filter((f) => f.type === 'ack').every((f) => f.eventId === ack.eventId)).toBe(true);
  });

  it("the visitor's messages are inbound traffic of the web chat channel: they resume a paused room", async () => {
    harness = await startChatHarness();
    const { roomId, token } = await harness.room();
    await harness.engine.call('pauseRoom', { roomId });
    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();
    client.send({ type: 'send', content: { type: 'text', text: 'anyone there?' }, clientId: 'p' });
    const ack = await client.next('ack');
    const { events } = await harness.engine.call<any>('getTimeline', { roomId, audit: true });
    expect(events.find((e: any) => e.id === ack.eventId)).toMatchObject({ direction: 'inbound', source: { provider: 'webchat', channelId: 'chat' } });
    expect((await harness.engine.call<any>('getRoom', { roomId })).room.state).toBe('active');
  });

  it('the page is told when its room closes (live and in history), and nothing else of internal records', async () => {
    harness = await startChatHarness();
    const { roomId, token } = await harness.room();
    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();
    await harness.engine.call('closeRoom', { roomId });
    await client.next('room', (f) => f.state === 'closed');
    const later = await ChatClient.connect(harness.wsUrl(token));
    await later.hello();
    // The room's whole life, in order: created active, then closed.
    expect(later.frames.filter((f) => f.type === 'room').map((f) => f.state)).toEqual(['active', 'closed']);
    expect(later.events()).toEqual([]);
    later.send({ type: 'send', content: { type: 'text', text: 'hello?' }, clientId: 'late' });
    expect(await later.next('error', (f) => f.clientId === 'late')).toMatchObject({ code: 'room_closed' });
  });

  it('a delivery with no page connected stays sent, and the page reads it from history later', async () => {
    harness = await startChatHarness();
    const { roomId, agent, token } = await harness.room();
    const reply = await harness.engine.call<any>('sendEvent', { roomId, bindingId: agent, content: { type: 'text', text: 'are you there?' } });
    await until(async () => (await harness.engine.call<any>('getDeliveries', { eventId: reply.event.id })).deliveries[0].status === 'sent', 'sent');
    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();
    expect(client.events().map((e) => e.content.text)).toEqual(['are you there?']);
  });

  it('typing both ways, markRead moves the horizon, and read receipts reach the page', async () => {
    harness = await startChatHarness();
    const { roomId, visitor, agent, token } = await harness.room();
    const signals: any[] = [];
    harness.engine.subscribe((n) => (n.kind === 'typing' || n.kind === 'read') && signals.push(n));
    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();

    client.send({ type: 'typing', typing: true });
    await until(() => signals.find((s) => s.kind === 'typing' && s.bindingId === visitor && s.typing), 'visitor typing');
    await harness.engine.call('setTyping', { bindingId: agent, typing: true });
    expect(await client.next('typing')).toMatchObject({ bindingId: agent, name: 'Ann', typing: true });

    const reply = await harness.engine.call<any>('sendEvent', { roomId, bindingId: agent, content: { type: 'text', text: 'hello' } });
    client.send({ type: 'markRead', index: reply.event.index });
    await until(async () => (await harness.engine.call<any>('getUnreadCount', { bindingId: visitor })).lastReadIndex === reply.event.index, 'horizon');

    client.send({ type: 'send', content: { type: 'text', text: 'hi' }, clientId: 'x' });
    const ack = await client.next('ack');
    await harness.engine.call('markRead', { bindingId: agent, index: ack.index });
    expect(await client.next('receipt', (f) => f.index === ack.index)).toMatchObject({ bindingId: agent });
  });

  it('a typing signal whose room cannot be read is logged, never left to reject, and the next one reaches the page', async () => {
    const warnings: string[] = [];
    harness = await startChatHarness({ onWarning: (message) => warnings.push(message) });
    const { roomId, agent, token } = await harness.room();
    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();
    // The page's next signal reads the room's participants afresh, and that read fails once.
    harness.engine.chatHub.forgetBindings(roomId);
    const call = harness.engine.call.bind(harness.engine);
    let failReads = 1;
    harness.engine.call = ((operation: string, input: unknown) =>
      operation === 'getRoom' && failReads-- > 0 ? Promise.reject(new Error('database is locked')) : call(operation, input)) as typeof harness.engine.call;

    await harness.engine.call('setTyping', { bindingId: agent, typing: true });
    await until(() => warnings.find((w) => w.includes('typing') && w.includes('database is locked')), 'the lost signal logged');
    await harness.engine.call('setTyping', { bindingId: agent, typing: false });
    expect(await client.next('typing')).toMatchObject({ bindingId: agent, typing: false });
    expect(unhandled()).toEqual([]);
  });

  it('a participant the page may not see (internal visibility) sends no typing and no receipts', async () => {
    harness = await startChatHarness();
    const { agent, token } = await harness.room();
    await harness.engine.call('updateBinding', { bindingId: agent, visibility: 'internal' });
    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();
    await harness.engine.call('setTyping', { bindingId: agent, typing: true });
    // The same signal once the participant is visible does arrive (control), and it is the only one.
    await harness.engine.call('updateBinding', { bindingId: agent, visibility: 'all' });
    await harness.engine.call('setTyping', { bindingId: agent, typing: false });
    const typing = await client.next('typing');
    expect(typing.typing).toBe(false);
    expect(client.frames.filter((f) => f.type === 'typing')).toHaveLength(1);
  });
});

describe('§12 postbacks: a click sends the option postback as a reply', () => {
  it('reply writes the choice title with the reply postback; an option that was not offered is refused', async () => {
    harness = await startChatHarness();
    const { roomId, agent, token } = await harness.room();
    const offer = await harness.engine.call<any>('sendEvent', {
      roomId,
      bindingId: agent,
      content: { type: 'rich', text: 'Pick one', buttons: [{ title: 'Track order', postback: 'TRACK' }, { title: 'Talk to us', postback: 'HUMAN' }] },
    });
    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();
    client.send({ type: 'reply', eventId: offer.event.id, postback: 'NOPE', clientId: 'bad' });
    expect(await client.next('error', (f) => f.clientId === 'bad')).toMatchObject({ code: 'invalid_input', field: 'postback' });

    client.send({ type: 'reply', eventId: offer.event.id, postback: 'HUMAN', clientId: 'r1' });
    const ack = await client.next('ack', (f) => f.clientId === 'r1');
    const received = await until(() => harness.staffReceived.find((m) => m.event.id === ack.eventId), 'the reply reaches the agent');
    expect(received.event.content).toEqual({ type: 'text', text: 'Talk to us' });
    expect(received.event.reply).toEqual({ eventId: offer.event.id, number: 2, title: 'Talk to us', postback: 'HUMAN' });
  });
});

describe('§12 reconnect resumes from the last index seen, with no gap and no duplicate', () => {
  it('within one server and across an engine restart', async () => {
    harness = await startChatHarness();
    const { roomId, agent, token } = await harness.room();
    const say = (text: string) => harness.engine.call('sendEvent', { roomId, bindingId: agent, content: { type: 'text', text } });
    await say('one');
    await say('two');
    const first = await ChatClient.connect(harness.wsUrl(token));
    await first.hello();
    await say('three');
    await first.next('event', (f) => f.event.content.text === 'three');
    const seen = Math.max(...first.events().map((e) => e.index));
    first.close();
    await until(() => harness.engine.chatHub.count() === 0, 'session gone');

    await say('four');
    await harness.engine.call('sendEvent', { roomId, content: { type: 'text', text: 'staff only' }, visibility: 'internal' });
    await say('five');
    const second = await ChatClient.connect(harness.wsUrl(token));
    second.send({ type: 'hello', since: seen });
    await second.next('ready');
    await say('six');
    await second.next('event', (f) => f.event.content.text === 'six');
    const resumed = second.events();

    await harness.restart();
    await until(() => second.closed, 'closed by the restart');
    expect(second.closed!.code).toBe(1012);
    await say('seven');
    const third = await ChatClient.connect(harness.wsUrl(token));
    third.send({ type: 'hello', since: Math.max(...resumed.map((e) => e.index)) });
    await third.next('ready');
    await say('eight');
    await third.next('event', (f) => f.event.content.text === 'eight');

    const all = [...first.events(), ...resumed, ...third.events()];
    expect(all.map((e) => e.content.text)).toEqual(['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight']);
    const indexes = all.map((e) => e.index);
    expect(new Set(indexes).size).toBe(indexes.length);
    expect([...indexes].sort((a, b) => a - b)).toEqual(indexes);
  });
});

describe('§14 malformed frames get an error frame; the socket stays usable', () => {
  it('answers each bad frame with an error naming the field and keeps serving', async () => {
    harness = await startChatHarness();
    const { token } = await harness.room();
    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();
    const bad = ['not json', '[1,2]', 'null', '{"type":"dance"}', '{"type":"send"}', '{"type":"send","content":{"type":"rich"}}', '{"type":"markRead","index":-4}', '{"type":"typing","typing":"yes"}', '{"type":"hello"}', '{"type":"send","content":{"type":"text"},"clientId":"x"}'];
    for (const frame of bad) client.send(frame);
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await until(() => client.frames.filter((f) => f.type === 'error').length === bad.length + 1, 'one error per bad frame');
    const fields = client.frames.filter((f) => f.type === 'error').map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['frame', 'type', 'content', 'content.type', 'index', 'typing']));

    client.send({ type: 'send', content: { type: 'text', text: 'still here' }, clientId: 'ok' });
    await client.next('ack', (f) => f.clientId === 'ok');
  });

  it('a page sending too many frames gets one rate_limited error, and is served again after the window', async () => {
    harness = await startChatHarness({ hub: { maxFramesPerWindow: 6, frameWindowMs: 300 } });
    const { token } = await harness.room();
    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();
    for (let i = 0; i < 10; i++) client.send({ type: 'typing', typing: i % 2 === 0 });
    await client.next('error', (f) => f.code === 'rate_limited');
    let n = 0;
    await until(async () => {
      client.send({ type: 'send', content: { type: 'text', text: 'later' }, clientId: `later-${++n}` });
      return client.frames.find((f) => f.type === 'ack');
    }, 'served again');
    expect(client.frames.filter((f) => f.code === 'rate_limited')).toHaveLength(1);
  });

  it('one chat is one sender: its pages share the frame limit, and it has at most so many pages open at once', async () => {
    harness = await startChatHarness({ hub: { maxFramesPerWindow: 9, frameWindowMs: 60_000, maxPagesPerBinding: 3 } });
    const { roomId, token } = await harness.room();
    const pages = await Promise.all([1, 2, 3].map(() => ChatClient.connect(harness.wsUrl(token))));
    for (const page of pages) await page.hello();
    // A fourth page is closed at once with a code of its own (a page cannot read an upgrade's HTTP
    // status, and must not take this for a token refused for good); closing one makes room for it.
    const fourth = await ChatClient.connect(harness.wsUrl(token));
    await until(() => fourth.closed, 'the fourth page closed');
    expect(fourth.closed).toEqual({ code: 4429, reason: 'this chat is open in 3 pages already; close one' });
    pages[2]!.close();
    await until(() => pages[2]!.closed, 'the third page closed');
    pages[2] = await until(() => ChatClient.connect(harness.wsUrl(token)).catch(() => undefined), 'a page in its place');
    await pages[2]!.hello();

    // Four hellos spent; of nine messages over the three pages, five are taken.
    for (const [p, page] of pages.entries()) {
      for (let i = 0; i < 3; i++) page.send({ type: 'send', content: { type: 'text', text: `m${p}-${i}` }, clientId: `c${p}-${i}` });
    }
    const acks = () => pages.flatMap((page) => page.frames.filter((f) => f.type === 'ack'));
    const limited = () => pages.filter((page) => page.frames.some((f) => f.code === 'rate_limited'));
    await until(() => acks().length === 5 && limited().length > 0, 'five messages taken, the rest refused');
    const stored = (await harness.engine.call<{ events: RoomEvent[] }>('getTimeline', { roomId })).events.filter((e) => e.type === 'message');
    expect(stored.map((e) => e.content.text).sort()).toEqual(acks().map((f) => `m${f.clientId.slice(1)}`).sort());

    // Another chat is another sender: its page is served meanwhile.
    const other = await harness.room();
    const page = await ChatClient.connect(harness.wsUrl(other.token));
    await page.hello();
    page.send({ type: 'send', content: { type: 'text', text: 'hello' }, clientId: 'other' });
    await page.next('ack', (f) => f.clientId === 'other');
    expect(acks()).toHaveLength(5);
  });

  it('an invited visitor joins by writing, as one who writes in by SMS does, and then receives the replies', async () => {
    harness = await startChatHarness();
    const engine = harness.engine;
    const { room, bindings } = await engine.call<{ room: { id: string }; bindings: Binding[] }>('createRoom', {
      bindings: [
        { channelId: 'chat', address: 'invited-visitor', state: 'invited' },
        { channelId: 'staff', address: 'agent-ann', audience: 'internal' },
      ],
    });
    const [visitor, agent] = bindings;
    const say = () => engine.call<{ deliveryIds: string[] }>('sendEvent', { roomId: room.id, bindingId: agent!.id, content: { type: 'text', text: 'welcome' } });
    // Invited, the visitor is not sent the room's messages yet.
    expect((await say()).deliveryIds).toHaveLength(0);
    await engine.call('sendChatMessage', { bindingId: visitor!.id, content: { type: 'text', text: 'hi, I accept' } });
    expect((await engine.call<Binding>('getBinding', { bindingId: visitor!.id })).state).toBe('joined');
    expect((await say()).deliveryIds).toHaveLength(1);
  });

  it('an oversized frame closes that socket cleanly (1009) and the server keeps serving others', async () => {
    harness = await startChatHarness();
    const { token } = await harness.room();
    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();
    client.send({ type: 'send', content: { type: 'text', text: 'x'.repeat(100_000) } });
    await until(() => client.closed, 'closed');
    expect(client.closed!.code).toBe(1009);
    const again = await ChatClient.connect(harness.wsUrl(token));
    await again.hello();
    again.send({ type: 'send', content: { type: 'text', text: 'fine' }, clientId: 'ok' });
    await again.next('ack');
  });
});

describe('§14 a page that stops reading does not grow server memory without bound', () => {
  const bound = 256 * 1024;
  const COUNT = 400;
  const flood = async (h: ChatHarness, roomId: string, agent: string) => {
    const text = 'y'.repeat(20_000);
    for (let i = 0; i < COUNT; i += 25) {
      await Promise.all(Array.from({ length: 25 }, () => h.engine.call('sendEvent', { roomId, bindingId: agent, content: { type: 'text', text } })));
    }
  };

  it('is disconnected once its buffered bytes pass the bound; a reading page gets everything', async () => {
    const warnings: string[] = [];
    harness = await startChatHarness({ hub: { maxBufferedBytes: bound, drainTimeoutMs: 2000 }, onWarning: (m) => warnings.push(m) });
    const stalled = await harness.room();
    const reading = await harness.room();
    const stopped = await ChatClient.connect(harness.wsUrl(stalled.token));
    await stopped.hello();
    const reader = await ChatClient.connect(harness.wsUrl(reading.token));
    await reader.hello();
    // Stop reading: the TCP window fills, then the server's queue for this socket grows.
    (stopped.ws as unknown as { _socket: { pause(): void } })._socket.pause();

    const hub = harness.engine.chatHub;
    await Promise.all([flood(harness, stalled.roomId, stalled.agent), flood(harness, reading.roomId, reading.agent)]);
    await until(() => hub.count() === 1, 'the stalled page is disconnected', 30_000);
    // What the server held for it when it let go: filled up to the bound, never past it.
    const dropped = warnings.find((w) => w.includes(stalled.visitor) && w.includes('stopped reading'));
    const queued = Number(/\((\d+) bytes queued\)/.exec(dropped ?? '')?.[1]);
    expect(queued).toBeLessThanOrEqual(bound);
    expect(queued).toBeGreaterThan(bound / 2);

    await until(() => reader.events().length === COUNT, 'the reading page gets all of them', 30_000);
    expect(reader.closed).toBeUndefined();
    // The stalled page resumes later from what it saw.
    const resumed = await ChatClient.connect(harness.wsUrl(stalled.token));
    resumed.send({ type: 'hello', since: -1 });
    await until(() => resumed.events().length === COUNT, 'history after reconnect', 30_000);
  }, 90_000);
});

describe('§14 start a chat: unauthenticated, rate-limited per client address', () => {
  it('creates a room and binding per the channel settings and returns a working token', async () => {
    harness = await startChatHarness();
    const { status, body } = await harness.start({ channel: 'chat', name: 'Zoë' });
    expect(status).toBe(200);
    const { room, bindings } = await harness.engine.call<any>('getRoom', { roomId: body.roomId });
    expect(room.timers).toEqual({ inactiveAfter: 'PT30M', closedAfter: 'PT24H' });
    expect(bindings.map((b: any) => [b.channelId, b.audience])).toEqual([
      ['chat', 'external'],
      ['staff', 'internal'],
    ]);
    const client = await ChatClient.connect(harness.wsUrl(body.token));
    await client.hello();
    client.send({ type: 'send', content: { type: 'text', text: '<img src=x onerror=alert(1)>' }, clientId: 'a' });
    await client.next('ack');
    expect((await harness.start({ channel: 'nope' })).status).toBe(404);
    expect((await harness.start({})).status).toBe(400);
  });

  it('answers 429 with Retry-After past the limit and stores nothing for refused starts', async () => {
    harness = await startChatHarness({ startsPerMinute: 3 });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await harness.start()).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const { rooms } = await harness.engine.call<any>('listRooms', {});
    expect(rooms).toHaveLength(3);
    const res = await fetch(`${harness.url}/roomwire/chat/start`, { method: 'POST', body: JSON.stringify({ channel: 'chat' }) });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('§12 the page shows its participant muted: on connect and live', () => {
  it('a muted visitor is told so, its messages are acknowledged as blocked, and unmuting is shown too', async () => {
    harness = await startChatHarness();
    const { roomId, visitor, token } = await harness.room();
    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();
    expect(client.frames.filter((f) => f.type === 'muted')).toEqual([{ type: 'muted', muted: false }]);

    await harness.engine.call('muteBinding', { roomId, bindingId: visitor });
    await client.next('muted', (f) => f.muted === true);
    client.send({ type: 'send', content: { type: 'text', text: 'hello?' }, clientId: 'm1' });
    expect(await client.next('ack', (f) => f.clientId === 'm1')).toMatchObject({ status: 'blocked' });

    // A page that connects while muted is told on connect.
    const later = await ChatClient.connect(harness.wsUrl(token));
    await later.hello();
    expect(later.frames.filter((f) => f.type === 'muted')).toEqual([{ type: 'muted', muted: true }]);

    await harness.engine.call('unmuteBinding', { roomId, bindingId: visitor });
    await client.next('muted', (f) => f.muted === false && client.frames.indexOf(f) > 0 && client.frames.some((g) => g.muted === true));
    await later.next('muted', (f) => f.muted === false);
  });
});

describe('§12 delivery status of own messages survives a reconnect', () => {
  it('history carries the furthest delivery status of each own message', async () => {
    harness = await startChatHarness();
    const { token } = await harness.room();
    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();
    client.send({ type: 'send', content: { type: 'text', text: 'where is my order?' }, clientId: 's1' });
    const ack = await client.next('ack', (f) => f.clientId === 's1');
    await client.next('status', (f) => f.eventId === ack.eventId && f.status === 'delivered');
    client.close();

    const reloaded = await ChatClient.connect(harness.wsUrl(token));
    await reloaded.hello();
    expect(reloaded.events()).toEqual([expect.objectContaining({ id: ack.eventId, status: 'delivered', from: expect.objectContaining({ own: true }) })]);
  });
});

describe('§3 step 6 the page shows what was delivered to it (before_deliver)', () => {
  it('a rewritten delivery replaces the message live and in history; a blocked one is withdrawn and left out', async () => {
    harness = await startChatHarness();
    const { roomId, agent, token } = await harness.room();
    harness.engine.registerHook({ name: 'mask', trigger: 'before_deliver', filters: { channelTypes: ['webchat'] } }, (c) => {
      const text = String(c.event!.content.text);
      if (text.includes('secret')) return { action: 'block', reason: 'not for the web' };
      return /\d{4}/.test(text) ? { action: 'modify', content: { type: 'text', text: text.replace(/\d{4}/g, '****') } } : undefined;
    });
    const client = await ChatClient.connect(harness.wsUrl(token));
    await client.hello();

    const masked = await harness.engine.call<any>('sendEvent', { roomId, bindingId: agent, content: { type: 'text', text: 'code 1234 ok' } });
    expect(await client.next('content', (f) => f.eventId === masked.event.id)).toMatchObject({ index: masked.event.index, content: { type: 'text', text: 'code **** ok' } });
    const blocked = await harness.engine.call<any>('sendEvent', { roomId, bindingId: agent, content: { type: 'text', text: 'the secret' } });
    expect(await client.next('content', (f) => f.eventId === blocked.event.id)).toMatchObject({ withdrawn: true });
    // An unchanged delivery sends no replacement: the same setup without a rewrite.
    const plain = await harness.engine.call<any>('sendEvent', { roomId, bindingId: agent, content: { type: 'text', text: 'thanks' } });
    await until(async () => (await harness.engine.call<any>('getDeliveries', { eventId: plain.event.id })).deliveries[0].status === 'delivered', 'delivered');
    expect(client.frames.filter((f) => f.type === 'content').map((f) => f.eventId)).toEqual([masked.event.id, blocked.event.id]);

    const reloaded = await ChatClient.connect(harness.wsUrl(token));
    await reloaded.hello();
    expect(reloaded.events().map((e) => e.content.text)).toEqual(['code **** ok', 'thanks']);
    expect(JSON.stringify(reloaded.frames)).not.toMatch(/1234|secret/);
  });
});

describe('§12 a connection lives no longer than its token', () => {
  it('closes the socket (4401) when its token expires, unless the page refreshed it', async () => {
    // Tokens are issued 58.5 s in the past: a 60 s token expires 1.5 s from now.
    harness = await startChatHarness({ clock: () => Date.now() - 58_500 });
    const { visitor } = await harness.room();
    const { token } = await harness.engine.call<any>('issueChatToken', { bindingId: visitor, ttlSeconds: 60 });
    const stale = await ChatClient.connect(harness.wsUrl(token));
    await stale.hello();
    const fresh = await ChatClient.connect(harness.wsUrl(token));
    await fresh.hello();
    fresh.send({ type: 'refresh' });
    const renewed = await fresh.next('token');
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.now() + 3600_000);
    expect(await harness.engine.call<any>('redeemChatToken', { token: renewed.token })).toMatchObject({ bindingId: visitor });

    await until(() => stale.closed, 'the stale page is closed');
    expect(stale.closed).toEqual({ code: 4401, reason: 'token expired' });
    expect(fresh.closed).toBeUndefined();
    fresh.send({ type: 'typing', typing: true });
    fresh.send({ type: 'hello' });
    expect(await fresh.next('error', (f) => f.code === 'conflict')).toBeTruthy();
  });
});
