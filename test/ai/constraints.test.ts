// Issue 12: capability-aware replies. The receivers of the AI's reply (after its own visibility)
// decide its instructions: SMS plain text within one segment, web chat with buttons, email plain
// text without a length cap. The transcoder stays the safety net, and each delivery's `sent`
// record shows when it had to degrade what the model wrote.
import { afterEach, describe, expect, it } from 'vitest';
import { FlowProvider, type Delivery } from '../../runtime/src';
import { cleanupAll, createRoom, until } from '../runtime/support/engine';
import { closeModelServers, modelServer, openAiTestEngine, say } from './support/ai-room';
import { seenText } from './support/model-servers';

afterEach(async () => {
  await cleanupAll();
  await closeModelServers();
});

async function askWith(customerChannel: 'sms' | 'web' | 'mail', extra: Record<string, unknown> = {}) {
  const t = await openAiTestEngine();
  const customer = customerChannel === 'sms' ? '+15550001' : customerChannel === 'web' ? 'visitor-1' : 'carol@example.com';
  const { room, b } = await createRoom(t.engine, [
    { channelId: customerChannel, address: customer },
    { channelId: 'ai', address: 'helper' },
  ]);
  const { server, client } = await modelServer('openai');
  const q = await say(t.engine, room.id, b[customer]!.id, 'hello');
  const result = await t.engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model: client(), ...extra });
  return { ...t, room, b, server, result, request: server.requests[0]! };
}

const toolNames = (request: { body: { tools?: { function: { name: string } }[] } }) => (request.body.tools ?? []).map((t) => t.function.name);

describe('§11 capability-aware replies', () => {
  it('SMS: plain text within one segment (160 GSM-7, 70 UCS-2), no buttons offered', async () => {
    const { request, result } = await askWith('sms');
    const { system } = seenText(request);
    expect(system).toContain('at most 160 characters (1 SMS segment)');
    expect(system).toContain('at most 70');
    expect(system).toContain('Plain text only');
    expect(toolNames(request)).not.toContain('send_rich');
    expect(result.constraints).toMatchObject({ receivers: ['sms'], maxChars: 160, plainText: true, buttons: null, media: false });
  });

  it('SMS with a budget of 3 segments: 459 GSM-7 characters', async () => {
    const { request } = await askWith('sms', { smsSegments: 3 });
    expect(seenText(request).system).toContain('at most 459 characters (3 SMS segments)');
  });

  it('web chat: rich replies with buttons through send_rich, no length cap', async () => {
    const { request, result } = await askWith('web');
    const { system } = seenText(request);
    expect(system).toContain('call the send_rich tool');
    expect(system).not.toContain('Plain text only');
    expect(system).not.toMatch(/at most \d+ characters/);
    expect(toolNames(request)).toContain('send_rich');
    expect(result.constraints).toMatchObject({ receivers: ['webchat'], maxChars: null, plainText: false, media: true });
  });

  it('email: plain text (its buttons are links only), no length cap', async () => {
    const { request, result } = await askWith('mail');
    expect(seenText(request).system).toContain('Plain text only');
    expect(toolNames(request)).not.toContain('send_rich');
    expect(result.constraints).toMatchObject({ receivers: ['email'], maxChars: null, plainText: true });
  });

  it('buttons: the receivers’ count and title limits go into the instructions and the send_rich tool', async () => {
    const t = await openAiTestEngine();
    await t.engine.registerChannel({ id: 'wa', type: 'whatsapp', provider: new FlowProvider() });
    const { room, b } = await createRoom(t.engine, [
      { channelId: 'wa', address: '+15550003' },
      { channelId: 'ai', address: 'helper' },
    ]);
    const { server, client } = await modelServer('openai');
    const q = await say(t.engine, room.id, b['+15550003']!.id, 'hello');
    const result = await t.engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model: client() });
    expect(result.constraints?.buttons).toEqual({ max: 3, titleMax: 20 });
    const request = server.requests[0]!;
    expect(seenText(request).system).toContain('call the send_rich tool with up to 3 buttons with titles of at most 20 characters');
    const richTool = request.body.tools.find((tool: { function: { name: string } }) => tool.function.name === 'send_rich');
    expect(richTool.function.description).toContain('at most 3 buttons, titles of at most 20 characters');
  });

  it('lists: where every receiver with buttons shows lists, send_rich offers a list within their limits, written as a list', async () => {
    const t = await openAiTestEngine();
    await t.engine.registerChannel({ id: 'wa', type: 'whatsapp', provider: new FlowProvider() });
    const { room, b } = await createRoom(t.engine, [
      { channelId: 'wa', address: '+15550003' },
      { channelId: 'ai', address: 'helper' },
    ]);
    const { server, client } = await modelServer('openai');
    const q = await say(t.engine, room.id, b['+15550003']!.id, 'what can you do?');
    const list = { button: 'Topics', sections: [{ rows: [{ id: 'track', title: 'Track a parcel' }, { id: 'refund', title: 'Ask for a refund' }] }] };
    server.script(
      { toolCalls: [{ name: 'send_rich', arguments: { text: 'Pick a topic', list, buttons: [{ title: 'x' }] } }] },
      { toolCalls: [{ name: 'send_rich', arguments: { text: 'Pick a topic', list } }] },
      { text: '' },
    );
    const result = await t.engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model: client() });
    expect(result.constraints?.list).toEqual({ maxRows: 10, rowTitleMax: 24, buttonMax: 20 });
    const request = server.requests[0]!;
    expect(seenText(request).system).toContain('call send_rich with a list of up to 10 rows with titles of at most 24 characters');
    const richTool = request.body.tools.find((tool: { function: { name: string } }) => tool.function.name === 'send_rich');
    expect(richTool.function.description).toContain('List: at most 10 rows, row titles of at most 24 characters');
    expect(Object.keys(richTool.function.parameters.properties)).toEqual(['text', 'buttons', 'list']);
    // Both at once is a tool error the model reads and corrects.
    expect(result.tools.map((tool) => tool.ok)).toEqual([false, true]);
    expect(JSON.stringify(result.tools[0]!.result)).toContain('either buttons or a list');
    expect(result.written.map((e) => [e.status, e.content])).toEqual([['committed', { type: 'list', text: 'Pick a topic', ...list }]]);

    // Web chat shows lists too; SMS shows neither buttons nor lists.
    const web = await askWith('web');
    const webTool = web.request.body.tools.find((tool: { function: { name: string } }) => tool.function.name === 'send_rich');
    expect(Object.keys(webTool.function.parameters.properties)).toContain('list');
    const sms = await askWith('sms');
    expect(sms.result.constraints?.list).toBeNull();
  });

  it('only receivers after the AI’s visibility count: an AI that speaks only to staff is not held to SMS limits', async () => {
    const t = await openAiTestEngine();
    const { room, b } = await createRoom(t.engine, [
      { channelId: 'sms', address: '+15550001' },
      { channelId: 'web', address: 'visitor-1' },
      { channelId: 'ai', address: 'advisor', visibility: 'internal' },
    ]);
    const { server, client } = await modelServer('openai');
    const q = await say(t.engine, room.id, b['+15550001']!.id, 'hello');
    const result = await t.engine.replyWithAi({ bindingId: b.advisor!.id, eventId: q.id, model: client() });
    expect(result.constraints?.receivers).toEqual([]);
    expect(seenText(server.requests[0]!).system).not.toContain('SMS');
  });

  it('the transcoder is the safety net: an overlong SMS reply is cut and its sent record counts the degradation', async () => {
    const t = await openAiTestEngine();
    const { room, b } = await createRoom(t.engine, [
      { channelId: 'sms', address: '+15550001' },
      { channelId: 'ai', address: 'helper' },
    ]);
    const { server, client } = await modelServer('openai');
    server.script({ text: 'word '.repeat(500) });
    const q = await say(t.engine, room.id, b['+15550001']!.id, 'tell me everything');
    const result = await t.engine.replyWithAi({ bindingId: b.helper!.id, eventId: q.id, model: client() });
    const deliveries = await until(async () => {
      const list = (await t.engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId: result.reply!.id })).deliveries;
      return list.length > 0 && list.every((d) => d.status !== 'queued') && list;
    }, 'the reply to be sent');
    const sent = deliveries[0]!.sent!;
    expect(sent.degradations.length).toBeGreaterThan(0);
    expect(t.sms.requests.length).toBeGreaterThan(0);
  });
});
