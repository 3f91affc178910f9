// An engine for the identity tests: the shared test engine (`sms` webhook channel, `web` and
// `console` flow channels) plus a WhatsApp webhook channel `wa`, and helpers for provider traffic
// on either phone channel and for reading identities.
import type { Binding, Engine, Identity, Room, RoomEvent } from '../../runtime/src';
import { startLocalServer, type LocalServer } from '../runtime/support/http';
import { createWebhookProvider } from '../../runtime/src';
import { SECRET, openTestEngine, webhookRequest, type TestEngine, type TestEngineOptions } from '../runtime/support/engine';

export interface IdentityTestEngine extends TestEngine {
  wa: LocalServer;
  /** A provider message on channel `sms` or `wa`; resolves to what the engine accepted. */
  inboundOn(channelId: 'sms' | 'wa', body: Record<string, unknown>): Promise<Accepted>;
}

export interface Accepted {
  kind: string;
  eventId: string;
  roomId: string;
  index: number;
  status: string;
  duplicate: boolean;
}

const servers: LocalServer[] = [];

export async function closeServers(): Promise<void> {
  while (servers.length > 0) await servers.pop()!.close();
}

export async function openIdentityEngine(
  options: TestEngineOptions & { waInfo?: Record<string, unknown>; smsInfo?: Record<string, unknown> } = {},
): Promise<IdentityTestEngine> {
  const { waInfo, smsInfo, ...rest } = options;
  const t = await openTestEngine(rest);
  const wa = await startLocalServer();
  servers.push(wa);
  await t.engine.registerChannel({
    id: 'wa',
    type: 'whatsapp',
    info: (waInfo ?? {}) as never,
    provider: createWebhookProvider({ outboundUrl: `${wa.url}send/{address}`, secret: SECRET, timeoutMs: 2000 }),
  });
  if (smsInfo) {
    await t.engine.registerChannel({
      id: 'sms',
      type: 'sms',
      info: smsInfo as never,
      provider: createWebhookProvider({ outboundUrl: `${t.sms.url}send/{address}`, secret: SECRET, timeoutMs: 2000 }),
    });
  }
  return Object.assign(t, {
    wa,
    async inboundOn(channelId: 'sms' | 'wa', body: Record<string, unknown>): Promise<Accepted> {
      const result = await t.engine.handleWebhook(channelId, webhookRequest({ text: 'hi', ...body }));
      return (result.body as { accepted: Accepted[] }).accepted[0]!;
    },
  });
}

export async function roomOf(engine: Engine, roomId: string): Promise<{ room: Room; bindings: Binding[] }> {
  return engine.call('getRoom', { roomId });
}

export async function identityOf(engine: Engine, channelType: string, address: string): Promise<Identity | null> {
  return (await engine.call<{ identity: Identity | null }>('lookupIdentity', { channelType, address })).identity;
}

export async function auditTimeline(engine: Engine, roomId: string): Promise<RoomEvent[]> {
  return (await engine.call<{ events: RoomEvent[] }>('getTimeline', { roomId, audit: true, limit: 1000 })).events;
}

export const identityEvents = (events: RoomEvent[]): RoomEvent[] => events.filter((e) => e.type === 'identity');
