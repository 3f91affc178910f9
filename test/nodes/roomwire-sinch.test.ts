// roomwire-sinch: one Sinch app for the channels that name it. Its account is made once from the
// node's settings and credentials and shared by every channel (one token for all of them); a
// missing setting is named instead of an account; the account is released when the flow stops.
import { afterEach, describe, expect, it } from 'vitest';
import type { SinchAccount } from '@roomwire/runtime';
import { allNodes, compiled, engineConfig, engineOf, helper, removeTempDirs, until } from './support';
import { APP_ID, KEY_ID, KEY_SECRET, PROJECT_ID, WEBHOOK_SECRET, startFakeSinch, type FakeSinch } from '../providers/sinch/support/sinch';

let sinch: FakeSinch | undefined;
afterEach(async () => {
  await helper.unload();
  await sinch?.server.close();
  sinch = undefined;
  removeTempDirs();
});

type Found = { account: SinchAccount } | { missing: string[] };
const app = (id = 'app') => helper.getNode(id) as unknown as { account(): Found };

function appConfig(fake: FakeSinch, extra: Record<string, unknown> = {}) {
  return { id: 'app', type: 'roomwire-sinch', projectId: PROJECT_ID, appId: APP_ID, region: 'eu', baseUrl: fake.baseUrl, tokenUrl: fake.tokenUrl, ...extra };
}

const credentials = { app: { keyId: KEY_ID, keySecret: KEY_SECRET, webhookSecret: WEBHOOK_SECRET } };
const channel = (id: string, type: string) => ({ id: `${id}-node`, type: 'roomwire-channel', engine: 'engine', channelId: id, channelType: type, provider: 'sinch', sinch: 'app' });

describe('roomwire-sinch', () => {
  it('gives every channel naming it one shared account: one token for sends on two channels', async () => {
    sinch = await startFakeSinch();
    await helper.load([...allNodes(), compiled('roomwire-sinch.js')], [engineConfig(), appConfig(sinch), channel('sinch-sms', 'sms'), channel('sinch-rcs', 'rcs')], credentials);
    const found = app().account();
    expect('account' in found && found.account).toBeTruthy();
    expect(app().account()).toEqual(found);
    const engine = engineOf();
    const { room, bindings } = await engine.call<{ room: { id: string }; bindings: { id: string; channelId: string }[] }>('createRoom', {
      bindings: [
        { channelId: 'sinch-sms', address: '+46732001122' },
        { channelId: 'sinch-rcs', address: '+46732001122' },
      ],
    });
    const sms = bindings.find((b) => b.channelId === 'sinch-sms')!;
    await engine.call('sendEvent', { roomId: room.id, bindingId: sms.id, content: { type: 'text', text: 'to RCS' } });
    const rcs = bindings.find((b) => b.channelId === 'sinch-rcs')!;
    await engine.call('sendEvent', { roomId: room.id, bindingId: rcs.id, content: { type: 'text', text: 'to SMS' } });
    await until(() => sinch!.messages.length === 2, 'both sends at Sinch');
    expect(sinch.tokensIssued).toHaveLength(1);
    expect(sinch.violations).toEqual([]);
  });

  it('names what is missing instead of making an account', async () => {
    sinch = await startFakeSinch();
    await helper.load(compiled('roomwire-sinch.js'), [appConfig(sinch, { appId: ' ' })], { app: { keyId: KEY_ID } });
    expect(app().account()).toEqual({ missing: ['appId', 'keySecret', 'webhookSecret'] });
  });

  it('releases the account when the flow stops', async () => {
    sinch = await startFakeSinch();
    await helper.load(compiled('roomwire-sinch.js'), [appConfig(sinch)], credentials);
    const found = app().account() as { account: SinchAccount };
    found.account.provider({ channelId: 'c', channelType: 'sms' });
    expect(found.account.sinchChannelOf('c')).toBe('SMS');
    await helper.unload();
    expect(found.account.sinchChannelOf('c')).toBeUndefined();
  });
});
