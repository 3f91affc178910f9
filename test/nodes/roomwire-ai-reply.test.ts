// roomwire-ai-reply and roomwire-ai-model in Node-RED's test helper, against a local
// OpenAI-compatible server: "no model" hands the room over politely; a flow tool call leaves on
// output 2 and the answer wired back into the node's input reaches the model; a model error is a
// Catch-able error with its code while the customer still gets the fallback text; bad settings
// name the setting.
import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAiServer, type ModelServer } from '../ai/support/model-servers';
import { allNodes, compiled, engineConfig, engineOf, errors, helper, lastStatus, nextMessage, node, onTab, removeTempDirs, until } from './support';

let server: ModelServer | undefined;

afterEach(async () => {
  await helper.unload();
  removeTempDirs();
  await server?.close();
  server = undefined;
});

const lookup = [{ name: 'lookup_order', description: 'Find an order by number', parameters: { type: 'object', properties: { orderId: { type: 'string' } } } }];

async function load(reply: Record<string, unknown> = {}, model?: Record<string, unknown>) {
  await helper.load(
    [...allNodes(), compiled('roomwire-ai-model.js'), compiled('roomwire-ai-reply.js')],
    [
      engineConfig(),
      { id: 'ch-web', type: 'roomwire-channel', engine: 'engine', channelId: 'web', channelType: 'webchat', provider: 'flow', version: 1 },
      { id: 'ch-ai', type: 'roomwire-channel', engine: 'engine', channelId: 'assistant', channelType: 'ai', provider: 'flow', version: 1 },
      { id: 'ch-desk', type: 'roomwire-channel', engine: 'engine', channelId: 'desk', channelType: 'agent', provider: 'flow', version: 1 },
      ...(model ? [{ id: 'model', type: 'roomwire-ai-model', provider: 'openai', version: 1, ...model }] : []),
      ...onTab([
        { id: 'ai', type: 'roomwire-ai-reply', engine: 'engine', ...(model ? { model: 'model' } : {}), version: 1, wires: [['replies'], ['tools']], ...reply },
        { id: 'replies', type: 'helper' },
        { id: 'tools', type: 'helper' },
        { id: 'caught', type: 'helper' },
        { id: 'catch', type: 'catch', scope: ['ai'], uncaught: false, wires: [['caught']] },
      ]),
    ],
    model ? { model: { apiKey: 'sk-test' } } : {},
  );
  const { bindings } = await engineOf().call<{ bindings: { id: string; address: string }[] }>('createRoom', {
    id: 'demo',
    bindings: [
      { channelId: 'web', address: 'visitor' },
      { channelId: 'assistant', address: 'helper' },
    ],
  });
  const [visitor, assistant] = bindings;
  const question = await engineOf().call<{ event: { id: string } }>('sendEvent', { roomId: 'demo', bindingId: visitor!.id, content: { type: 'text', text: 'where is order 42?' } });
  return { visitor: visitor!.id, assistant: assistant!.id, eventId: question.event.id };
}

describe('roomwire-ai-reply', () => {
  it('with no model: shows "no model" and the room gets a polite hand-over instead of silence', async () => {
    const ids = await load();
    expect(lastStatus('ai')).toMatchObject({ fill: 'yellow', text: 'no model: hands over to a human' });
    const reply = nextMessage('replies');
    node('ai').receive({ bindingId: ids.assistant, eventId: ids.eventId, roomId: 'demo' });
    const msg = await reply;
    expect(msg.payload).toMatchObject({ status: 'committed', content: { text: 'Thank you for your message. A member of our team will reply to you shortly.' } });
    expect(msg.ai).toMatchObject({ escalated: true, error: { code: 'no_model' } });
    const room = await engineOf().call<{ room: { metadata: Record<string, unknown> } }>('getRoom', { roomId: 'demo' });
    expect(room.room.metadata.needsHuman).toBe(true);
  });

  it('with agents to hand over to, the hand-over assigns the room to one of them instead of flagging it', async () => {
    const ids = await load({ handOverAgents: 'bob', handOverChannel: 'desk' });
    const reply = nextMessage('replies');
    node('ai').receive({ bindingId: ids.assistant, eventId: ids.eventId, roomId: 'demo' });
    expect((await reply).ai).toMatchObject({ escalated: true, handOver: { assignedTo: 'bob' } });
    const room = await engineOf().call<{ room: { metadata: Record<string, unknown> } }>('getRoom', { roomId: 'demo' });
    expect(room.room.metadata).toMatchObject({ assignedTo: 'bob' });
    expect(room.room.metadata.needsHuman).toBeUndefined();
  });

  it('a flow tool call leaves on output 2 with an id; the answer wired back into the input reaches the model', async () => {
    server = await startOpenAiServer('sk-test');
    server.script({ toolCalls: [{ name: 'lookup_order', arguments: { orderId: '42' } }] }, { text: 'Order 42 ships tomorrow.' });
    const ids = await load({ flowTools: JSON.stringify(lookup) }, { baseUrl: server.baseUrl, model: 'gpt-test', retries: 0 });
    const toolCall = nextMessage('tools');
    const reply = nextMessage('replies');
    node('ai').receive({ bindingId: ids.assistant, eventId: ids.eventId, roomId: 'demo' });
    const call = await toolCall;
    expect(call).toMatchObject({ topic: 'tool_call', payload: { orderId: '42' }, toolCall: { name: 'lookup_order' }, roomId: 'demo' });
    node('ai').receive({ ...call, payload: { shipping: 'tomorrow' } });
    expect((await reply).payload).toMatchObject({ content: { text: 'Order 42 ships tomorrow.' } });
    expect(JSON.stringify(server.requests[1]!.body.messages)).toContain('tomorrow');
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-test');
    await until(() => lastStatus('ai')?.text === 'replied (2 model calls)', 'the replied status');
  });

  it('a model error is a Catch-able error with its code; the customer still gets the fallback text', async () => {
    server = await startOpenAiServer('another-key');
    const ids = await load({ fallbackText: 'Sorry, one moment.' }, { baseUrl: server.baseUrl, model: 'gpt-test', retries: 0 });
    const caught = nextMessage('caught');
    const reply = nextMessage('replies');
    node('ai').receive({ bindingId: ids.assistant, eventId: ids.eventId, roomId: 'demo' });
    expect((await reply).payload).toMatchObject({ content: { text: 'Sorry, one moment.' } });
    const error = (await caught).error as { message: string };
    expect(error.message).toMatch(/unauthorized.*HTTP 401/);
  });

  it('a setting it cannot use is an error naming the setting', async () => {
    await load({ flowTools: '[{"name": "create_task", "description": "x"}]' });
    expect(errors('ai').join('\n')).toContain('flowTools[0].name: create_task is a built-in tool');
    expect(lastStatus('ai')).toMatchObject({ fill: 'red', text: 'invalid settings' });
    await helper.unload();
    await load({ handOverAgents: 'bob, not a name!' });
    expect(errors('ai').join('\n')).toContain('handOverAgents: "not a name!" is not a user name');
  });
});
