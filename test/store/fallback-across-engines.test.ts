// A delivery falls back once, whichever engines hear its failure (DESIGN.md sections 8 and 13): a
// provider retrying its failure callback, load-balanced to two engines on one PostgreSQL database,
// made each take the step, and the customer got the message twice on the next channel. The store
// refuses a second delivery falling back from the same one; the engine that loses the race reads
// the step the other took and stops.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Engine, PostgresStore, type Delivery } from '../../runtime/src';
import { AcceptingProvider, cleanup, createRoom, deliveriesOf, send, statusCallback, until } from '../delivery/support/harness';
import { POSTGRES_URL, dropSchema, freshSchema, postgresAvailable } from '../support/postgres';

const withPostgres = await postgresAvailable();
const schemas: string[] = [];
const engines: Engine[] = [];

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close().catch(() => undefined);
  await cleanup();
});
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

/** Each engine reads the event's deliveries a moment before acting, as under load: both act on what they read. */
class SlowToReadStore extends PostgresStore {
  lagMs = 0;
  reads = 0;
  override async listDeliveriesForEvent(eventId: string): Promise<Delivery[]> {
    const found = await super.listDeliveriesForEvent(eventId);
    this.reads++;
    await new Promise((resolve) => setTimeout(resolve, this.lagMs));
    return found;
  }
}

async function openOn(schema: string) {
  const store = new SlowToReadStore({ connectionString: POSTGRES_URL, schema, poolSize: 4 });
  const engine = await Engine.open({ store });
  engines.push(engine);
  const providers: Record<string, AcceptingProvider> = {};
  for (const id of ['console', 'sms', 'rcs']) {
    providers[id] = new AcceptingProvider();
    await engine.registerChannel({ id, type: id, provider: providers[id]! });
  }
  return { engine, store, providers };
}

describe.skipIf(!withPostgres)('fallback on two engines', () => {
  it('a delivery whose failure both engines hear falls back once', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const a = await openOn(schema);
    const b = await openOn(schema);
    const { room, b: bindings } = await createRoom(a.engine, [
      { channelId: 'console', address: 'agent' },
      { channelId: 'sms', address: '+15550001' },
    ]);
    await a.engine.call('setFallback', { bindingId: bindings['+15550001']!.id, fallback: { channels: ['rcs'], on: ['failed'] } });
    const event = await send(a.engine, room.id, 'your code is 1234', { bindingId: bindings.agent!.id });
    await a.engine.idle();
    const sms = (await deliveriesOf(a.engine, event.id)).deliveries.find((d) => d.channelId === 'sms')!;
    expect(sms.status).toBe('sent');

    a.store.lagMs = b.store.lagMs = 150;
    await Promise.all([
      statusCallback(a.engine, 'sms', { deliveryId: sms.id, status: 'failed' }),
      statusCallback(b.engine, 'sms', { deliveryId: sms.id, status: 'failed' }),
    ]);
    const onRcs = async () => (await deliveriesOf(a.engine, event.id)).deliveries.filter((d) => d.channelId === 'rcs');
    // Both engines took the step (two reads), and the one refused read again and stopped (a third).
    await until(async () => a.store.reads + b.store.reads >= 3 || (await onRcs()).length > 1, 'both engines done with the failure');
    await until(() => a.providers.rcs!.sent.length + b.providers.rcs!.sent.length > 0, 'the fallback sent');
    await Promise.all([a.engine.idle(), b.engine.idle()]);
    expect({ rcsDeliveries: (await onRcs()).length, sentOnRcs: a.providers.rcs!.sent.length + b.providers.rcs!.sent.length }).toEqual({ rcsDeliveries: 1, sentOnRcs: 1 });
  }, 30_000);
});
