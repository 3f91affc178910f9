// A `roomwire-channel` whose provider is `twilio`: it takes its account from the `roomwire-twilio`
// config node it names and its sender from `twilioFrom`; without them it says "not configured" and
// stays unregistered instead of failing. Sends ask for status callbacks at the channel's public
// webhook URL, built from the engine's public URL (or $ROOMWIRE_PUBLIC_URL).
import { afterEach, describe, expect, it } from 'vitest';
import { ACCOUNT_SID, AUTH_TOKEN, startFakeTwilio, type FakeTwilio } from '../providers/twilio/support/twilio';
import { allNodes, engineConfig, engineOf, errors, helper, lastStatus, removeTempDirs, until, warnings } from './support';

let twilio: FakeTwilio | undefined;

afterEach(async () => {
  await helper.unload();
  await twilio?.server.close();
  twilio = undefined;
  removeTempDirs();
  delete process.env.ROOMWIRE_PUBLIC_URL;
});

const FROM = '+15550109999';

const account = (extra: Record<string, unknown> = {}) => ({ id: 'tw-account', type: 'roomwire-twilio', ...extra });
const channel = (extra: Record<string, unknown> = {}) => ({
  id: 'ch-tw',
  type: 'roomwire-channel',
  engine: 'engine',
  channelId: 'tw-sms',
  channelType: 'sms',
  provider: 'twilio',
  twilio: 'tw-account',
  twilioFrom: FROM,
  ...extra,
});
const secrets = { 'tw-account': { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } };

const registered = async () =>
  (await engineOf().call<{ channels: { id: string; registered: boolean }[] }>('listChannels', {})).channels.filter((c) => c.registered).map((c) => c.id);

describe('roomwire-channel with the twilio provider: configuration', () => {
  it('without an account node, says "not configured", names what is missing, and registers nothing', async () => {
    await helper.load(allNodes(), [engineConfig(), channel({ twilio: '' })]);
    expect(lastStatus('ch-tw')).toMatchObject({ fill: 'yellow', text: 'not configured' });
    expect(warnings('ch-tw').join()).toContain('missing twilio');
    expect(errors('ch-tw')).toEqual([]);
    expect(await registered()).toEqual([]);
  });

  it('with an account node that has no credentials, names the Account SID and Auth Token', async () => {
    await helper.load(allNodes(), [engineConfig(), account(), channel()]);
    expect(warnings('ch-tw').join()).toContain('missing accountSid, authToken');
    expect(await registered()).toEqual([]);
  });

  it('without a From number or a Messaging Service, names twilioFrom', async () => {
    await helper.load(allNodes(), [engineConfig(), account(), channel({ twilioFrom: '' })], secrets);
    expect(warnings('ch-tw').join()).toContain('missing twilioFrom');
    expect(await registered()).toEqual([]);
  });

  it('with the account and a number, registers the channel and shows no warning', async () => {
    await helper.load(allNodes(), [engineConfig(), account(), channel()], secrets);
    expect(await registered()).toEqual(['tw-sms']);
    expect(warnings('ch-tw')).toEqual([]);
    expect(lastStatus('ch-tw')?.text).toBeUndefined();
  });

  it('with a Messaging Service on the account, needs no From number', async () => {
    await helper.load(allNodes(), [engineConfig(), account({ messagingServiceSid: `MG${'c3'.repeat(16)}` }), channel({ twilioFrom: '' })], secrets);
    expect(await registered()).toEqual(['tw-sms']);
  });

  it('refuses a malformed Account SID as a provider error naming the field, without registering', async () => {
    await helper.load(allNodes(), [engineConfig(), account(), channel()], { 'tw-account': { accountSid: 'AC-not-a-sid', authToken: AUTH_TOKEN } });
    expect(errors('ch-tw').join()).toMatch(/accountSid/);
    expect(lastStatus('ch-tw')).toMatchObject({ fill: 'red' });
    expect(await registered()).toEqual([]);
  });
});

describe('roomwire-channel with the twilio provider: status callback URL', () => {
  async function sentStatusCallback(engineExtra: Record<string, unknown>): Promise<{ url: string; deliveryId: string }> {
    twilio = await startFakeTwilio();
    await helper.load(allNodes(), [engineConfig('engine', engineExtra), account({ apiBaseUrl: twilio.apiBaseUrl }), channel()], secrets);
    const engine = engineOf();
    const { room } = await engine.call<{ room: { id: string } }>('createRoom', { bindings: [{ channelId: 'tw-sms', address: '+15550100001' }] });
    const { deliveryIds } = await engine.call<{ deliveryIds: string[] }>('sendEvent', { roomId: room.id, content: { type: 'text', text: 'hi' } });
    const message = await until(() => twilio!.messages[0], 'the message at Twilio');
    expect(twilio.violations).toEqual([]);
    return { url: String(message.fields.StatusCallback), deliveryId: deliveryIds[0]! };
  }

  it("is the engine's public URL, then its path prefix, then the channel's webhook", async () => {
    const { url, deliveryId } = await sentStatusCallback({ publicUrl: 'https://rooms.example.org/', httpPrefix: '/support' });
    expect(url).toBe(`https://rooms.example.org/support/webhook/tw-sms?deliveryId=${deliveryId}`);
  });

  it('comes from $ROOMWIRE_PUBLIC_URL when the engine sets none', async () => {
    process.env.ROOMWIRE_PUBLIC_URL = 'https://tunnel.example.net';
    const { url } = await sentStatusCallback({});
    expect(url).toMatch(/^https:\/\/tunnel\.example\.net\/roomwire\/webhook\/tw-sms\?deliveryId=/);
  });

  it('is the local Node-RED URL without either (a provider on the same network)', async () => {
    const { url } = await sentStatusCallback({});
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/roomwire\/webhook\/tw-sms\?deliveryId=/);
  });

  it('ignores a malformed public URL, saying so on the engine node', async () => {
    const { url } = await sentStatusCallback({ publicUrl: 'ftp://files.example.org' });
    expect(errors('engine').join()).toMatch(/publicUrl "ftp:\/\/files.example.org" must be an http or https URL/);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });
});
