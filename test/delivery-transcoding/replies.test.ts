// DESIGN.md section 6: choices flattened to numbered text on a plain-text channel map back. A
// reply with an option's number or exact title, to the last message that participant received,
// carries `reply` = {eventId, number, title, postback}; other replies carry none.
import { afterEach, describe, expect, it } from 'vitest';
import { CUSTOMER, ORDER_SHIPPED, broadcast, closeAll, inbound, openEngine, createRoom } from './support';

afterEach(closeAll);

async function offered() {
  const { engine } = await openEngine();
  const { room } = await createRoom(engine, [
    { channelId: 'sms', address: CUSTOMER.sms },
    { channelId: 'webchat', address: CUSTOMER.webchat },
  ]);
  const offer = await broadcast(engine, room.id, ORDER_SHIPPED);
  return { engine, room, offer };
}

describe('a plain-text answer to numbered options', () => {
  it.each(['2', ' 2. ', '2)'])('the number (%j) maps to the option’s postback', async (text) => {
    const { engine, offer } = await offered();
    const answer = await inbound(engine, 'sms', CUSTOMER.sms, text);
    expect(answer.reply).toEqual({ eventId: offer.id, number: 2, title: 'Change address', postback: 'ADDRESS' });
  });

  it('the exact title, whatever its case and spacing, maps to the option’s postback', async () => {
    const { engine, offer } = await offered();
    const answer = await inbound(engine, 'sms', CUSTOMER.sms, '  talk to a  PERSON ');
    expect(answer.reply).toEqual({ eventId: offer.id, number: 3, title: 'Talk to a person', postback: 'AGENT' });
  });

  it('a number that is no option, or other text, carries no reply', async () => {
    const { engine } = await offered();
    expect((await inbound(engine, 'sms', CUSTOMER.sms, '4')).reply).toBeUndefined();
    expect((await inbound(engine, 'sms', CUSTOMER.sms, 'track it please')).reply).toBeUndefined();
  });

  it('answers the last message received: after one without options, "2" carries no reply', async () => {
    const { engine, room } = await offered();
    await broadcast(engine, room.id, { type: 'text', text: 'An agent will call you.' });
    expect((await inbound(engine, 'sms', CUSTOMER.sms, '2')).reply).toBeUndefined();
  });

  it('a participant whose channel showed the buttons natively was offered no numbers', async () => {
    const { engine } = await offered();
    expect((await inbound(engine, 'webchat', CUSTOMER.webchat, '2')).reply).toBeUndefined();
  });
});
