// An AI assistant in every new room: a channel whose `info.joinsNewRooms` names an address has that
// participant bound in each room created while it is registered, in the room's first commit, so
// the assistant reads (and answers) the first message of every customer who opens a room.
import { afterEach, describe, expect, it } from 'vitest';
import { FlowProvider, WebchatProvider, startChat, type Binding, type JsonObject, type OutboundMessage, type Room } from '../../runtime/src';
import { cleanupAll, createRoom, inbound, openTestEngine, until } from '../runtime/support/engine';
import { closeModelServers, modelServer } from './support/ai-room';

afterEach(async () => {
  await cleanupAll();
  await closeModelServers();
});

async function engineWithAssistant(joinsNewRooms: JsonObject | null) {
  const t = await openTestEngine();
  const heard: OutboundMessage[] = [];
  const provider = new FlowProvider();
  provider.listen((message) => heard.push(message));
  await t.engine.registerChannel({ id: 'assistant', type: 'ai', provider, info: joinsNewRooms ? { joinsNewRooms } : {} });
  return { ...t, heard };
}

const roomOf = (engine: Awaited<ReturnType<typeof openTestEngine>>['engine'], roomId: string) => engine.call<{ room: Room; bindings: Binding[] }>('getRoom', { roomId });

describe('§11 a standing AI participant joins every new room', () => {
  it('two customers opening rooms by SMS each get the assistant, which hears their first message', async () => {
    const { engine, heard } = await engineWithAssistant({ address: 'helper', displayName: 'Helper' });
    const first = await inbound(engine, { from: '+15550001', text: 'where is my parcel?' });
    const second = await inbound(engine, { from: '+15550002', text: 'I need a refund' });
    expect(first.roomId).not.toBe(second.roomId);
    for (const roomId of [first.roomId, second.roomId]) {
      const { bindings } = await roomOf(engine, roomId);
      const ai = bindings.filter((b) => b.channelId === 'assistant');
      expect(ai).toEqual([expect.objectContaining({ address: 'helper', audience: 'internal', state: 'joined' })]);
    }
    await until(() => heard.length === 2, 'the assistant to receive both first messages');
    expect(heard.map((m) => [m.roomId, m.event.content.text]).sort()).toEqual(
      [
        [first.roomId, 'where is my parcel?'],
        [second.roomId, 'I need a refund'],
      ].sort(),
    );
  });

  it('a web chat visitor starting a chat gets the assistant in their room too', async () => {
    const { engine } = await engineWithAssistant({ address: 'helper' });
    await engine.registerChannel({ id: 'chat', type: 'webchat', provider: new WebchatProvider(() => engine.chatHub, 'chat') });
    const started = await startChat(engine, { channelId: 'chat' }, { name: 'Vera' });
    const { bindings } = await roomOf(engine, started.roomId);
    expect(bindings.map((b) => `${b.channelId}/${b.state}`).sort()).toEqual(['assistant/joined', 'chat/joined']);
  });

  it('each new room’s assistant answers its own customer through the model', async () => {
    const { engine, heard, sms } = await engineWithAssistant({ address: 'helper' });
    const { server, client } = await modelServer('openai');
    server.script({ text: 'It arrives tomorrow.' }, { text: 'Your refund is on its way.' });
    for (const [from, text] of [
      ['+15550001', 'where is my parcel?'],
      ['+15550002', 'I need a refund'],
    ] as const) {
      const { eventId, roomId } = await inbound(engine, { from, text });
      const ai = (await roomOf(engine, roomId)).bindings.find((b) => b.channelId === 'assistant')!;
      const result = await engine.replyWithAi({ bindingId: ai.id, eventId, model: client() });
      expect(result.status).toBe('replied');
    }
    await until(() => sms.requests.length === 2, 'both customers to get an answer');
    const answers = Object.fromEntries(sms.requests.map((r) => [decodeURIComponent(r.url.split('/').pop()!), JSON.parse(r.body.toString('utf8')).content.text]));
    expect(answers).toEqual({ '+15550001': 'It arrives tomorrow.', '+15550002': 'Your refund is on its way.' });
    expect(heard).toHaveLength(2);
  });

  it('only new rooms: a room created with a participant of the channel keeps it, and a channel without the setting joins nothing', async () => {
    const { engine } = await engineWithAssistant({ address: 'helper' });
    const { room } = await createRoom(engine, [
      { channelId: 'sms', address: '+15550009' },
      { channelId: 'assistant', address: 'advisor' },
    ]);
    expect((await roomOf(engine, room.id)).bindings.filter((b) => b.channelId === 'assistant').map((b) => b.address)).toEqual(['advisor']);
    // Attaching to an existing room brings no one else along.
    await engine.call('createRoom', { id: room.id, bindings: [{ channelId: 'web', address: 'visitor' }] });
    expect((await roomOf(engine, room.id)).bindings.filter((b) => b.channelId === 'assistant')).toHaveLength(1);

    const { engine: plain } = await engineWithAssistant(null);
    const opened = await inbound(plain, { from: '+15550001', text: 'hello' });
    expect((await roomOf(plain, opened.roomId)).bindings.map((b) => b.channelId)).toEqual(['sms']);
  });

  it('a malformed joinsNewRooms setting is refused at registration, naming the field', async () => {
    const t = await openTestEngine();
    await expect(t.engine.registerChannel({ id: 'bad', type: 'ai', provider: new FlowProvider(), info: { joinsNewRooms: { address: '' } } })).rejects.toThrow(
      'info.joinsNewRooms.address: must be a non-empty string',
    );
    await expect(t.engine.registerChannel({ id: 'bad', type: 'ai', provider: new FlowProvider(), info: { joinsNewRooms: 'helper' } })).rejects.toThrow('info.joinsNewRooms: must be an object');
    const opened = await inbound(t.engine, { from: '+15550001', text: 'hello' });
    expect((await roomOf(t.engine, opened.roomId)).bindings.map((b) => b.channelId)).toEqual(['sms']);
  });
});
