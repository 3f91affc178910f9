// A real engine (temporary SQLite file) with Twilio channels whose REST API is a fake Twilio on a
// local server, and whose webhooks are served over real HTTP behind a pretend public base URL:
// Twilio signs the public URL, the request arrives on the local one, as behind a TLS proxy.
import {
  createOperationsHandler,
  createTwilioProvider,
  createWebhookHandler,
  type Binding,
  type Delivery,
  type Room,
  type TwilioProviderOptions,
} from '../../../../runtime/src';
import { openTestEngine, type TestEngine, type TestEngineOptions } from '../../../runtime/support/engine';
import { serveHandlers } from '../../../runtime/support/http';
import { ACCOUNT_SID, AUTH_TOKEN, startFakeTwilio, type FakeTwilio, type Params, signedRequest } from './twilio';

export const PUBLIC_BASE_URL = 'https://rooms.example.test';
export const TWILIO_NUMBER = '+15550009999';
export const CUSTOMER = '+15550001';

export interface TwilioEngine extends TestEngine {
  twilio: FakeTwilio;
  /** Where the engine's webhooks really listen (`/webhook/:channelId`). */
  localUrl: string;
  /** The public URL Twilio is configured with for a channel's webhook. */
  webhookUrl(channelId: string): string;
  /** Registers a Twilio channel; the options are merged over the test account's. */
  registerTwilio(id: string, type: string, options?: Partial<TwilioProviderOptions>, profileOverride?: Record<string, unknown>): Promise<void>;
  /** A signed Twilio webhook straight into `engine.handleWebhook`. */
  webhook(channelId: string, params: Params): ReturnType<TestEngine['engine']['handleWebhook']>;
}

const closers: (() => Promise<void>)[] = [];

/** Closes the servers opened here (call in `afterEach`, beside the engine helpers' `cleanupAll`). */
export async function closeTwilioServers(): Promise<void> {
  while (closers.length > 0) await closers.pop()!().catch(() => undefined);
}

export async function openTwilioEngine(options: TestEngineOptions = {}): Promise<TwilioEngine> {
  const test = await openTestEngine(options);
  const http = await serveHandlers({ webhook: createWebhookHandler(test.engine), operations: createOperationsHandler(test.engine) });
  closers.push(() => http.close());
  const twilio = await startFakeTwilio({ publicBaseUrl: PUBLIC_BASE_URL, deliverTo: () => http.url });
  closers.push(() => twilio.server.close());
  const webhookUrl = (channelId: string) => `${PUBLIC_BASE_URL}/webhook/${channelId}`;
  return Object.assign(test, {
    twilio,
    localUrl: http.url,
    webhookUrl,
    async registerTwilio(id: string, type: string, extra: Partial<TwilioProviderOptions> = {}, profileOverride?: Record<string, unknown>) {
      const provider = createTwilioProvider({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        from: TWILIO_NUMBER,
        statusCallbackUrl: `${PUBLIC_BASE_URL}/webhook/{channelId}`,
        publicBaseUrl: PUBLIC_BASE_URL,
        apiBaseUrl: twilio.apiBaseUrl,
        timeoutMs: 2000,
        ...extra,
      });
      await test.engine.registerChannel({ id, type, provider, profileOverride });
    },
    webhook(channelId: string, params: Params) {
      // The request shows the local URL; the signature covers the public one.
      return test.engine.handleWebhook(channelId, signedRequest(webhookUrl(channelId), params, { url: `${http.url}/webhook/${channelId}` }));
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
