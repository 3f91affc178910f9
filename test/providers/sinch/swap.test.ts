// "The same flow swaps Twilio for Sinch by changing the channel's provider": one scenario (a
// customer texts in, an agent answers with options, the customer picks one by number, the answer
// is delivered) runs on a channel `customer-sms` served by Twilio, then by Sinch, each against its
// fake API, and the room ends up the same: same timeline, same option mapping, same delivery
// statuses, same identity. Only the wire format differs.
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine, Identity, RoomEvent } from '../../../runtime/src';
import { cleanupAll } from '../../runtime/support/engine';
import { closeTwilioServers, openTwilioEngine } from '../twilio/support/engine';
import { incomingSms } from '../twilio/support/twilio';
import { closeSinchServers, deliveriesOf, openSinchEngine } from './support/engine';
import { deliveryReport, inboundCallback } from './support/sinch';

afterEach(async () => {
  await cleanupAll();
  await closeTwilioServers();
  await closeSinchServers();
});

const CUSTOMER = '+46732001122';
const CHANNEL = 'customer-sms';

/** What the scenario needs from a provider: the customer's side of its wire format. */
interface ProviderSide {
  engine: Engine;
  customerTexts(text: string): Promise<void>;
  /** The texts the provider was asked to send, in order. */
  sentTexts(): string[];
  /** The provider reports every message it was asked to send as delivered. */
  reportAllDelivered(): Promise<void>;
}

async function twilioSide(): Promise<ProviderSide> {
  const t = await openTwilioEngine();
  await t.registerTwilio(CHANNEL, 'sms');
  return {
    engine: t.engine,
    async customerTexts(text) {
      await t.webhook(CHANNEL, incomingSms(CUSTOMER, '+15550009999', text));
    },
    sentTexts: () => t.twilio.messages.map((m) => String(m.fields.Body)),
    async reportAllDelivered() {
      for (const message of t.twilio.messages) expect((await t.twilio.callback(message, 'delivered')).status).toBe(200);
    },
  };
}

async function sinchSide(): Promise<ProviderSide> {
  const t = await openSinchEngine();
  await t.registerSinch(CHANNEL, 'sms');
  return {
    engine: t.engine,
    async customerTexts(text) {
      expect((await t.callback(CHANNEL, inboundCallback('SMS', CUSTOMER.slice(1), { text_message: { text } }))).status).toBe(200);
    },
    sentTexts: () => t.sinch.messages.map((m) => (m.body.message as { text_message: { text: string } }).text_message.text),
    async reportAllDelivered() {
      for (const message of t.sinch.messages) expect((await t.callback(CHANNEL, deliveryReport(message, 'DELIVERED'))).status).toBe(200);
    },
  };
}

/** The scenario, written once against the engine's operations; returns the room as it ends. */
async function runScenario(side: ProviderSide) {
  const { engine } = side;
  await side.customerTexts('Can I change my booking?');
  const { rooms } = await engine.call<{ rooms: { id: string }[] }>('listRooms', {});
  const roomId = rooms[0]!.id;
  const { binding } = await engine.call<{ binding: { id: string } }>('attachBinding', { roomId, channelId: 'console', address: 'agent-1' });
  await engine.call('sendEvent', {
    roomId,
    bindingId: binding.id,
    content: { type: 'rich', text: 'Sure. Which day?', buttons: [{ title: 'Friday', postback: 'FRI' }, { title: 'Saturday', postback: 'SAT' }] },
  });
  await engine.idle();
  await side.customerTexts('2');
  await engine.call('sendEvent', { roomId, bindingId: binding.id, content: { type: 'text', text: 'Saturday it is.' } });
  await engine.idle();
  await side.reportAllDelivered();
  const events = (await engine.call<{ events: RoomEvent[] }>('getTimeline', { roomId, limit: 100 })).events.filter((e) => e.type === 'message');
  const outbound = events.filter((e) => e.direction !== 'inbound');
  const deliveries = await Promise.all(outbound.map(async (e) => (await deliveriesOf(engine, e.id)).filter((d) => d.channelId === CHANNEL).map((d) => d.status)));
  const identity = await engine.call<Identity>('getIdentity', { identityId: events[0]!.source.identityId });
  return {
    rooms: rooms.length,
    timeline: events.map((e) => ({ direction: e.direction, channelId: e.source.channelId, content: e.content, reply: e.reply ? { number: e.reply.number, postback: e.reply.postback } : null })),
    sentTexts: side.sentTexts(),
    deliveries,
    identity: identity.addresses.map((a) => ({ channelType: a.channelType, address: a.address })),
  };
}

describe('swapping the channel\'s provider', () => {
  it('gives the same room outcome on Twilio and on Sinch', async () => {
    const onTwilio = await runScenario(await twilioSide());
    const onSinch = await runScenario(await sinchSide());
    expect(onSinch).toEqual(onTwilio);
    // And the outcome is the intended one, not merely the same.
    expect(onTwilio.rooms).toBe(1);
    expect(onTwilio.timeline.map((e) => e.direction)).toEqual(['inbound', 'outbound', 'inbound', 'outbound']);
    expect(onTwilio.timeline[2]!.reply).toEqual({ number: 2, postback: 'SAT' });
    expect(onTwilio.sentTexts[0]).toMatch(/1\. Friday[\s\S]*2\. Saturday/);
    expect(onTwilio.sentTexts[1]).toBe('Saturday it is.');
    expect(onTwilio.deliveries).toEqual([['delivered'], ['delivered']]);
    expect(onTwilio.identity).toEqual([{ channelType: 'sms', address: CUSTOMER }]);
  });
});
