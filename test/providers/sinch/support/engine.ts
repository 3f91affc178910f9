// A real engine (temporary SQLite file) with Sinch channels of one Sinch app whose API is a fake
// Sinch on a local server, and whose webhooks are served over real HTTP.
import { SinchAccount, createOperationsHandler, createWebhookHandler, type Binding, type Delivery, type Room, type SinchAccountOptions } from '../../../../runtime/src';
import { openTestEngine, type TestEngine, type TestEngineOptions } from '../../../runtime/support/engine';
import { serveHandlers } from '../../../runtime/support/http';
import { APP_ID, KEY_ID, KEY_SECRET, PROJECT_ID, WEBHOOK_SECRET, startFakeSinch, type FakeSinch, type SignOptions, type WebhookAnswer } from './sinch';

export const CUSTOMER = '+46732001122';

export interface SinchEngine extends TestEngine {
  sinch: FakeSinch;
  account: SinchAccount;
  /** Where the engine's webhooks listen (`/webhook/:channelId`). */
  localUrl: string;
  registerSinch(id: string, type: string, profileOverride?: Record<string, unknown>): Promise<void>;
  /** Sinch calling a channel's webhook over HTTP, signed. */
  callback(channelId: string, body: Record<string, unknown>, options?: SignOptions): Promise<WebhookAnswer>;
}

const closers: (() => Promise<void>)[] = [];

export async function closeSinchServers(): Promise<void> {
  while (closers.length > 0) await closers.pop()!().catch(() => undefined);
}

export function sinchAccountOptions(sinch: FakeSinch, extra: Partial<SinchAccountOptions> = {}): SinchAccountOptions {
  return {
    projectId: PROJECT_ID,
    appId: APP_ID,
    keyId: KEY_ID,
    keySecret: KEY_SECRET,
    webhookSecret: WEBHOOK_SECRET,
    baseUrl: sinch.baseUrl,
    tokenUrl: sinch.tokenUrl,
    timeoutMs: 2000,
    ...extra,
  };
}

export async function openSinchEngine(options: TestEngineOptions = {}, accountOptions: Partial<SinchAccountOptions> = {}): Promise<SinchEngine> {
  const test = await openTestEngine(options);
  const http = await serveHandlers({ webhook: createWebhookHandler(test.engine), operations: createOperationsHandler(test.engine) });
  closers.push(() => http.close());
  const sinch = await startFakeSinch();
  closers.push(() => sinch.server.close());
  const account = new SinchAccount(sinchAccountOptions(sinch, accountOptions));
  closers.push(async () => account.close());
  return Object.assign(test, {
    sinch,
    account,
    localUrl: http.url,
    async registerSinch(id: string, type: string, profileOverride?: Record<string, unknown>) {
      await test.engine.registerChannel({ id, type, provider: account.provider({ channelId: id, channelType: type }), profileOverride });
    },
    callback(channelId: string, body: Record<string, unknown>, signOptions?: SignOptions) {
      return sinch.callback(`${http.url}/webhook/${channelId}`, body, signOptions);
    },
  });
}

export async function deliveriesOf(engine: TestEngine['engine'], eventId: string): Promise<Delivery[]> {
  return (await engine.call<{ deliveries: Delivery[] }>('getDeliveries', { eventId })).deliveries;
}

export async function roomWith(engine: TestEngine['engine'], bindings: { channelId: string; address: string }[]): Promise<{ room: Room; b: Record<string, Binding> }> {
  const created = await engine.call<{ room: Room; bindings: Binding[] }>('createRoom', { bindings });
  return { room: created.room, b: Object.fromEntries(created.bindings.map((b) => [b.channelId, b])) };
}
