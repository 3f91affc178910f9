// DESIGN.md sections 6 and 8: on a channel with a session window (WhatsApp: 24 h since the
// customer's last inbound message) free-form content goes only while the window is open. Outside
// it the binding's window fallback (a template) is sent; without one the delivery fails with
// `outside_window`, which a fallback policy can route to the participant's next channel.
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../runtime/src';
import { until } from '../runtime/support/engine';
import { CUSTOMER, body, broadcast, closeAll, deliveryTo, inbound, openEngine, createRoom } from './support';

afterEach(closeAll);

const HOUR = 60 * 60 * 1000;
const TEXT = { type: 'text', text: 'Your order #1042 has shipped.' };
const TEMPLATE = { type: 'template', name: 'order_update', language: 'en', parameters: ['1042'] };

async function whatsappRoom() {
  const opened = await openEngine();
  const { room, b } = await createRoom(opened.engine, [{ channelId: 'whatsapp', address: CUSTOMER.whatsapp }]);
  return { ...opened, room, customer: b[CUSTOMER.whatsapp]! };
}

describe('WhatsApp session window', () => {
  it('inside the window (after an inbound from that participant) free text goes as it is', async () => {
    const { engine, room, customer, clock, requestsTo } = await whatsappRoom();
    await inbound(engine, 'whatsapp', CUSTOMER.whatsapp, 'where is my order?');
    clock.now += 23 * HOUR;
    const event = await broadcast(engine, room.id, TEXT);

    expect(requestsTo('whatsapp').map((r) => body(r).content)).toEqual([TEXT]);
    const delivery = await deliveryTo(engine, event.id, customer);
    expect(delivery).toMatchObject({ status: 'delivered', error: null });
    expect(delivery.sent ?? null).toBeNull();
  });

  it('closes 24 h after the last inbound: the delivery fails with outside_window and nothing is sent', async () => {
    const { engine, room, customer, clock, requestsTo } = await whatsappRoom();
    await inbound(engine, 'whatsapp', CUSTOMER.whatsapp, 'where is my order?');
    clock.now += 24 * HOUR;
    const event = await broadcast(engine, room.id, TEXT);

    expect(requestsTo('whatsapp')).toEqual([]);
    const delivery = await deliveryTo(engine, event.id, customer);
    expect(delivery.status).toBe('failed');
    expect(delivery.error).toEqual({
      code: 'outside_window',
      reason: 'the session window is closed: only a template can be sent, this is text content and the binding has no fallback',
    });
  });

  it('outside the window with a window fallback set, the template is sent instead', async () => {
    const { engine, room, customer, requestsTo } = await whatsappRoom();
    await engine.call('updateBinding', { bindingId: customer.id, windowFallback: TEMPLATE });
    const event = await broadcast(engine, room.id, TEXT);

    expect(requestsTo('whatsapp').map((r) => body(r).content)).toEqual([TEMPLATE]);
    const delivery = await deliveryTo(engine, event.id, customer);
    expect(delivery.status).toBe('delivered');
    expect(delivery.sent).toEqual({
      parts: [TEMPLATE],
      degradations: [{ rule: 'window.binding_fallback', path: '', reason: "the session window is closed: the binding's fallback is sent instead" }],
    });
  });

  it('outside the window, a fallback policy on outside_window sends the same event by SMS', async () => {
    const { engine, room, customer, requestsTo } = await whatsappRoom();
    await engine.call('setFallback', { bindingId: customer.id, fallback: { channels: ['sms'], on: ['outside_window'] } });
    const event = await broadcast(engine, room.id, TEXT);
    // The fallback step starts once the failure is recorded, after the first delivery finished.
    const sms = await until(() => requestsTo('sms').length > 0 && requestsTo('sms'), 'the SMS fallback');
    await engine.idle();

    expect(requestsTo('whatsapp')).toEqual([]);
    expect(sms.map((r) => [r.url, body(r).content])).toEqual([[`/sms/${encodeURIComponent(CUSTOMER.whatsapp)}`, TEXT]]);
    const { deliveries } = await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId: event.id });
    const failed = deliveries.find((d) => d.bindingId === customer.id)!;
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'outside_window' } });
    expect(deliveries.filter((d) => d.fallbackOf === failed.id)).toEqual([
      expect.objectContaining({ channelId: 'sms', status: 'delivered', fallbackOf: failed.id, id: body(sms[0]!).deliveryId }),
    ]);
  });
});
