// DESIGN.md section 6 at delivery time: one event, transcoded per target channel profile. A
// delivery records what was actually sent (`sent`) only when it differs from the event's content.
import { afterEach, describe, expect, it } from 'vitest';
import { CUSTOMER, ORDER_SHIPPED, body, broadcast, closeAll, deliveryTo, openEngine, createRoom } from './support';

afterEach(closeAll);

const SMS_TEXT = [
  'Your order #1042 has shipped and arrives on Friday between 9:00 and 12:00.',
  'Trail shoes\nSize 42, blue\nReceipt: https://shop.example/r/1042',
  '1. Track my order\n2. Change address\n3. Talk to a person',
].join('\n\n');

async function smsAndWebRoom() {
  const opened = await openEngine();
  const { room, b } = await createRoom(opened.engine, [
    { channelId: 'sms', address: CUSTOMER.sms },
    { channelId: 'webchat', address: CUSTOMER.webchat },
  ]);
  return { ...opened, room, sms: b[CUSTOMER.sms]!, web: b[CUSTOMER.webchat]! };
}

describe('one rich message, two channel profiles', () => {
  it('web chat receives the rich message unchanged, and its delivery records nothing extra', async () => {
    const { engine, room, web, requestsTo } = await smsAndWebRoom();
    const event = await broadcast(engine, room.id, ORDER_SHIPPED);

    expect(requestsTo('webchat').map((r) => body(r).content)).toEqual([ORDER_SHIPPED]);
    const delivery = await deliveryTo(engine, event.id, web);
    expect(delivery.status).toBe('delivered');
    expect(delivery.sent ?? null).toBeNull();
  });

  it('SMS receives numbered text, and its delivery records parts, degradations, SMS cost and options', async () => {
    const { engine, room, sms, requestsTo } = await smsAndWebRoom();
    const event = await broadcast(engine, room.id, ORDER_SHIPPED);

    const sent = { type: 'text', text: SMS_TEXT };
    expect(requestsTo('sms').map((r) => body(r).content)).toEqual([sent]);
    const delivery = await deliveryTo(engine, event.id, sms);
    expect(delivery.status).toBe('delivered');
    expect(delivery.sent).toEqual({
      parts: [sent],
      degradations: [
        { rule: 'cards.to_text', path: 'cards', reason: expect.any(String) },
        { rule: 'buttons.to_text', path: 'buttons', reason: 'the channel has no buttons' },
      ],
      sms: { encoding: 'GSM-7', segments: 2 },
      options: [
        { number: 1, title: 'Track my order', postback: 'TRACK' },
        { number: 2, title: 'Change address', postback: 'ADDRESS' },
        { number: 3, title: 'Talk to a person', postback: 'AGENT' },
      ],
    });
  });

  it('a short plain text goes to SMS as it is, with nothing recorded', async () => {
    const { engine, room, sms, requestsTo } = await smsAndWebRoom();
    const text = { type: 'text', text: 'See you tomorrow at 9.' };
    const event = await broadcast(engine, room.id, text);

    expect(requestsTo('sms').map((r) => body(r).content)).toEqual([text]);
    expect((await deliveryTo(engine, event.id, sms)).sent ?? null).toBeNull();
  });

  it('typographic quotes are smart-encoded for SMS, and the change is recorded', async () => {
    const { engine, room, sms, requestsTo } = await smsAndWebRoom();
    const event = await broadcast(engine, room.id, { type: 'text', text: 'It’s “ready”' });

    expect(requestsTo('sms').map((r) => body(r).content)).toEqual([{ type: 'text', text: 'It\'s "ready"' }]);
    expect(requestsTo('webchat').map((r) => body(r).content)).toEqual([{ type: 'text', text: 'It’s “ready”' }]);
    const delivery = await deliveryTo(engine, event.id, sms);
    expect(delivery.sent).toMatchObject({ sms: { encoding: 'GSM-7', segments: 1 }, degradations: [{ rule: 'sms.smart_encoding' }] });
    expect(delivery.sent).not.toHaveProperty('options');
  });
});
