// `roomwire-sinch` config node: one Sinch Conversation API app (project id, app id, region) and
// its access key and webhook secret (in Node-RED's encrypted credentials), picked by
// `roomwire-channel` nodes whose provider is `sinch`. It owns the account the channels share (one
// OAuth2 token cache, one nonce memory) and releases it when the flow stops.
import { SinchAccount, SINCH_REGIONS, type SinchRegion } from '@roomwire/runtime';
import type { NodeAPI, NodeDef } from 'node-red';
import type { SinchConfigNode, SinchCredentials } from './lib/sinch-account';

interface SinchNodeDef extends NodeDef {
  projectId?: string;
  appId?: string;
  region?: string;
  baseUrl?: string;
  tokenUrl?: string;
}

function text(value: string | undefined): string | undefined {
  return value?.trim() || undefined;
}

export = function (RED: NodeAPI): void {
  function RoomwireSinchNode(this: SinchConfigNode, def: SinchNodeDef): void {
    RED.nodes.createNode(this, def);
    const credentials: SinchCredentials = this.credentials ?? {};
    let account: SinchAccount | null = null;
    this.account = () => {
      if (account) return { account };
      const settings = {
        projectId: text(def.projectId),
        appId: text(def.appId),
        keyId: text(credentials.keyId),
        keySecret: text(credentials.keySecret),
        webhookSecret: text(credentials.webhookSecret),
      };
      const missing = Object.entries(settings).filter(([, value]) => !value).map(([name]) => name);
      if (missing.length > 0) return { missing };
      const region = SINCH_REGIONS.includes(def.region as SinchRegion) ? (def.region as SinchRegion) : 'us';
      account = new SinchAccount({
        projectId: settings.projectId!,
        appId: settings.appId!,
        keyId: settings.keyId!,
        keySecret: settings.keySecret!,
        webhookSecret: settings.webhookSecret,
        region,
        baseUrl: text(def.baseUrl),
        tokenUrl: text(def.tokenUrl),
      });
      return { account };
    };
    this.on('close', (done: () => void) => {
      account?.close();
      account = null;
      done();
    });
  }

  RED.nodes.registerType<SinchConfigNode, SinchNodeDef, unknown, SinchCredentials>('roomwire-sinch', RoomwireSinchNode, {
    credentials: {
      keyId: { type: 'text' },
      keySecret: { type: 'password' },
      webhookSecret: { type: 'password' },
    },
  });
};
