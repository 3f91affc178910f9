// An engine with three webhook channels that differ only in their capability profile (`sms`,
// `whatsapp`, `webchat`), all delivering to one real local HTTP server under `/<channel>/<address>`,
// and a clock the test moves (session windows count from the participant's last inbound).
import { join } from 'node:path';
import { Engine, createWebhookProvider, type Binding, type ChannelRegistration, type Delivery, type RoomEvent } from '../../runtime/src';
import { startLocalServer, type LocalServer, type Received } from '../runtime/support/http';
import { cleanupAll, tempDir, webhookRequest } from '../runtime/support/engine';

export { createRoom } from '../runtime/support/engine';

const closers: (() => Promise<void>)[] = [];

/** Closes the engines (before their servers) and removes their files: call in `afterEach`. */
export async function closeAll(): Promise<void> {
  while (closers.length > 0) await closers.pop()!();
  await cleanupAll();
}

const CHANNELS = ['sms', 'whatsapp', 'webchat'] as const;

/** One customer address per channel. */
export const CUSTOMER = { sms: '+15550001111', whatsapp: '+15550002222', webchat: 'visitor-1' } as const;

export interface TranscodingEngine {
  engine: Engine;
  server: LocalServer;
  clock: { now: number };
  /** Requests the server received for one channel, in arrival order. */
  requestsTo(channelId: string): Received[];
}

export async function openEngine(extraChannels: Omit<ChannelRegistration, 'provider'>[] = []): Promise<TranscodingEngine> {
  const server = await startLocalServer();
  const clock = { now: Date.UTC(2025, 0, 1, 12) };
  const engine = await Engine.open({
    databasePath: join(tempDir(), 'roomwire.db'),
    clock: () => clock.now,
    delivery: { baseBackoffMs: 5, maxBackoffMs: 50, maxAttempts: 3 },
  });
  closers.push(() => server.close(), () => engine.close());
  const channels = [...CHANNELS.map((id) => ({ id, type: id, profile: id })), ...extraChannels];
  for (const channel of channels) {
    await engine.registerChannel({
      ...channel,
      provider: createWebhookProvider({ outboundUrl: `${server.url}${channel.id}/{address}`, timeoutMs: 2000 }),
    });
  }
  return {
    engine,
    server,
    clock,
    requestsTo: (channelId) => server.requests.filter((r) => r.url.startsWith(`/${channelId}/`)),
  };
}

/** Writes content as the system (a bot or a flow) and waits until every delivery has finished. */
export async function broadcast(engine: Engine, roomId: string, content: Record<string, unknown>): Promise<RoomEvent> {
  const { event } = await engine.call<{ event: RoomEvent }>('sendEvent', { roomId, content });
  await engine.idle();
  return event;
}

/** A customer's message as their provider posts it to the channel's webhook (unsigned channels). */
export async function inbound(engine: Engine, channelId: string, from: string, text: string): Promise<RoomEvent> {
  const result = await engine.handleWebhook(channelId, webhookRequest({ from, text }, { secret: null }));
  const { eventId, roomId } = (result.body as { accepted: { eventId: string; roomId: string }[] }).accepted[0]!;
  await engine.idle();
  const { events } = await engine.call<{ events: RoomEvent[] }>('getTimeline', { roomId, limit: 1000 });
  return events.find((event) => event.id === eventId)!;
}

export async function deliveryTo(engine: Engine, eventId: string, binding: Binding): Promise<Delivery> {
  const { deliveries } = await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId });
  const delivery = deliveries.find((d) => d.bindingId === binding.id);
  if (!delivery) throw new Error(`event ${eventId} has no delivery to ${binding.address}`);
  return delivery;
}

/** The JSON body a webhook channel POSTed. */
export function body(request: Received): { content: Record<string, unknown>; deliveryId: string; eventId: string } {
  return JSON.parse(request.body.toString('utf8'));
}

/** One rich message: text, three reply buttons and a card with a link. */
export const ORDER_SHIPPED = {
  type: 'rich',
  text: 'Your order #1042 has shipped and arrives on Friday between 9:00 and 12:00.',
  cards: [{ title: 'Trail shoes', subtitle: 'Size 42, blue', buttons: [{ title: 'Receipt', url: 'https://shop.example/r/1042' }] }],
  buttons: [
    { title: 'Track my order', postback: 'TRACK' },
    { title: 'Change address', postback: 'ADDRESS' },
    { title: 'Talk to a person', postback: 'AGENT' },
  ],
};
