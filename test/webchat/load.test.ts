// A bounded load test on loopback (DESIGN.md section 12, issue 11): 1,000 concurrent WebSocket
// clients on one engine, in rooms of three web chat visitors; every client sends one message and
// must receive the other two of its room exactly once; nothing is lost. Throughput is `npm run
// bench` (webchat-fanout)'s business, not this test's: it only checks that nothing is lost.
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../support/wait';
import { ChatClient, startChatHarness, type ChatHarness } from './support';

const CLIENTS = 1002; // 334 rooms of three
const PER_ROOM = 3;

let harness: ChatHarness;
afterEach(async () => harness?.close());

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

describe('§12 web chat under load', () => {
  it('1,000 concurrent clients in rooms of three each send one message and receive the other two, none lost', async () => {
    harness = await startChatHarness();
    const rooms = Array.from({ length: CLIENTS / PER_ROOM }, (_, r) => r);
    const members: { roomId: string; token: string; client?: ChatClient }[] = [];
    await inBatches(rooms, 50, async (r) => {
      const { room, bindings } = await harness.engine.call<any>('createRoom', {
        bindings: Array.from({ length: PER_ROOM }, (_, i) => ({ channelId: 'chat', address: `load-${r}-${i}` })),
      });
      for (const binding of bindings) {
        const { token } = await harness.engine.call<any>('issueChatToken', { bindingId: binding.id });
        members.push({ roomId: room.id, token });
      }
    });
    expect(members).toHaveLength(CLIENTS);

    await inBatches(members, 100, async (member) => {
      member.client = await ChatClient.connect(harness.wsUrl(member.token));
      await member.client.hello();
    });
    for (const member of members) member.client!.send({ type: 'send', content: { type: 'text', text: `from ${member.token.slice(-12)}` }, clientId: 'm1' });

    await until(() => members.every((m) => m.client!.events().length === PER_ROOM), 'every client has its room’s three messages', 50_000);
    for (const member of members) {
      const events = member.client!.events();
      expect(new Set(events.map((e) => e.index)).size).toBe(PER_ROOM);
      expect(events.filter((e) => e.from.own)).toHaveLength(1);
      expect(events.every((e) => e.content.text.startsWith('from '))).toBe(true);
      expect(member.client!.frames.some((f) => f.type === 'error')).toBe(false);
    }
    for (const member of members) member.client!.close();
  }, 120_000);
});
