// Another engine on the database announces each committed status change of a delivery, as the
// engine that made it does (DESIGN.md section 13). Reading the delivery when the notice arrives, a
// follower running behind found it moved on and announced its latest status for every notice:
// `sent` was never heard there, `delivered` several times.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Engine, PostgresStore, type Delivery } from '../../runtime/src';
import { AcceptingProvider, cleanup, createRoom, deliveriesOf, send, statusCallback, until } from '../delivery/support/harness';
import { POSTGRES_URL, dropSchema, freshSchema, postgresAvailable } from '../support/postgres';

const withPostgres = await postgresAvailable();
const schemas: string[] = [];
const engines: Engine[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close().catch(() => undefined);
  await cleanup();
});
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

/** A follower that is a little behind (busy instance, many notices queued): its reads start 300 ms late. */
class BehindStore extends PostgresStore {
  override async getDelivery(id: string): Promise<Delivery | null> {
    await sleep(300);
    return super.getDelivery(id);
  }
}

describe.skipIf(!withPostgres)('delivery notices on another engine', () => {
  it('another engine hears each status of a delivery once: sent, then delivered', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const writer = await Engine.open({ store: new PostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 4 }) });
    engines.push(writer);
    const reader = await Engine.open({ store: new BehindStore({ connectionString: POSTGRES_URL, schema, poolSize: 4 }) });
    engines.push(reader);
    for (const id of ['console', 'sms']) await writer.registerChannel({ id, type: id, provider: new AcceptingProvider() });

    const heardByWriter: string[] = [];
    const heardByReader: string[] = [];
    writer.subscribe((n) => n.kind === 'delivery' && n.delivery.channelId === 'sms' && heardByWriter.push(n.delivery.status));
    reader.subscribe((n) => n.kind === 'delivery' && n.delivery.channelId === 'sms' && heardByReader.push(n.delivery.status));

    const { room, b } = await createRoom(writer, [
      { channelId: 'console', address: 'agent' },
      { channelId: 'sms', address: '+15550001' },
    ]);
    const event = await send(writer, room.id, 'hello', { bindingId: b.agent!.id });
    await writer.idle();
    const sms = (await deliveriesOf(writer, event.id)).deliveries.find((d) => d.channelId === 'sms')!;
    expect(sms.status).toBe('sent');
    await statusCallback(writer, 'sms', { deliveryId: sms.id, status: 'delivered' });
    await writer.idle();

    // Three notices: the row queued by the event's commit, then each status change.
    await until(() => heardByReader.length >= 3, 'the reader hearing the delivery changes');
    expect(heardByWriter).toEqual(['sent', 'delivered']);
    expect(heardByReader).toEqual(['queued', 'sent', 'delivered']);
  }, 30_000);
});
