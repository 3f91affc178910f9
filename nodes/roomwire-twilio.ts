// `roomwire-twilio` config node: one Twilio account (Account SID, and an Auth Token or an API key,
// all kept in Node-RED's encrypted credentials), picked by `roomwire-channel` nodes whose provider
// is `twilio`. It holds no connection: each channel's provider makes its own requests.
import type { NodeAPI, NodeDef } from 'node-red';
import type { TwilioAccount, TwilioAccountCredentials, TwilioConfigNode } from './lib/twilio-account';

interface TwilioNodeDef extends NodeDef {
  messagingServiceSid?: string;
  apiBaseUrl?: string;
}

function text(value: string | undefined): string | undefined {
  return value?.trim() || undefined;
}

export = function (RED: NodeAPI): void {
  function RoomwireTwilioNode(this: TwilioConfigNode, def: TwilioNodeDef): void {
    RED.nodes.createNode(this, def);
    const credentials = this.credentials ?? {};
    this.account = () => {
      const accountSid = text(credentials.accountSid);
      const authToken = text(credentials.authToken);
      const apiKeySid = text(credentials.apiKeySid);
      const missing = [...(accountSid ? [] : ['accountSid']), ...(authToken || apiKeySid ? [] : ['authToken'])];
      if (missing.length > 0) return { missing };
      const account: TwilioAccount = {
        accountSid: accountSid!,
        authToken,
        apiKeySid,
        apiKeySecret: text(credentials.apiKeySecret),
        messagingServiceSid: text(def.messagingServiceSid),
        apiBaseUrl: text(def.apiBaseUrl),
      };
      return { account };
    };
  }

  RED.nodes.registerType<TwilioConfigNode, TwilioNodeDef, unknown, TwilioAccountCredentials>('roomwire-twilio', RoomwireTwilioNode, {
    credentials: {
      accountSid: { type: 'text' },
      authToken: { type: 'password' },
      apiKeySid: { type: 'text' },
      apiKeySecret: { type: 'password' },
    },
  });
};
