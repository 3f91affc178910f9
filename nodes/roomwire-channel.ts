// `roomwire-channel` config node: a channel registered with an engine for as long as the node is
// deployed. Its type (sms, whatsapp, webchat...) is what routing, identities and capabilities go
// by; its provider is what carries it. `webhook`: inbound JSON on the engine's webhook route,
// deliveries POSTed to a URL, optionally HMAC-signed both ways. `flow`: the participant is a flow
// (`room in`, participant mode).
import {
  FlowProvider,
  createWebhookProvider,
  type Direction,
  type Provider,
  type WebhookProviderOptions,
} from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { ChannelConfigNode } from './lib/channel-config';
import { useEngine } from './lib/engine-user';
import { localHttpNodeUrl } from './lib/local-url';

interface ChannelNodeDef extends NodeDef {
  engine: string;
  channelId?: string;
  channelType?: string;
  provider?: string;
  direction?: Direction;
  routeByIdentity?: boolean;
  autoJoin?: boolean;
  profile?: string;
  outboundUrl?: string;
}

interface ChannelCredentials {
  secret?: string;
}

const CHANNEL_ID = /^[A-Za-z0-9._:@+-]{1,128}$/;
const CHANNEL_TYPE = /^[a-z][a-z0-9_-]{0,31}$/;
const PROVIDERS = ['webhook', 'flow'];

/**
 * Flows saved before the type and the provider were separate fields have only `channelType`,
 * holding the provider (`webhook` or `flow`): the type is then the provider's name, as it was.
 */
function typeAndProvider(def: ChannelNodeDef): { type: string; provider: string } {
  const type = def.channelType?.trim() || 'webhook';
  const provider = def.provider?.trim() || (PROVIDERS.includes(type) ? type : 'webhook');
  return { type, provider };
}
const DIRECTIONS: Direction[] = ['inbound', 'outbound', 'bidirectional'];

export = function (RED: NodeAPI): void {
  function webhookProvider(outboundUrl: string, secret: string | undefined): Provider {
    const options: WebhookProviderOptions = {
      secret,
      // Read on every send: a path resolves against this Node-RED, whose port is known only once it listens.
      get outboundUrl() {
        if (!outboundUrl) return undefined;
        return outboundUrl.startsWith('/') ? localHttpNodeUrl(RED, outboundUrl) : outboundUrl;
      },
    };
    return createWebhookProvider(options);
  }

  function RoomwireChannelNode(this: Node<ChannelCredentials>, def: ChannelNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    // A config node has no status on the canvas; its own (`unsigned`) is for Status nodes and tests.
    const engine = useEngine(RED, node, def.engine, { showState: false });
    const id = def.channelId?.trim() || node.id;
    // Flow nodes that name this config node (transcode) read the channel id from it.
    (node as ChannelConfigNode).channelId = id;
    const { type, provider: providerName } = typeAndProvider(def);
    const direction = DIRECTIONS.includes(def.direction as Direction) ? def.direction : 'bidirectional';
    const secret = node.credentials.secret || undefined;

    let registration: Promise<void> = Promise.resolve();
    if (!CHANNEL_ID.test(id)) {
      node.error(`channel id ${JSON.stringify(id)} may only use letters, digits and . _ : @ + - (at most 128)`);
    } else if (!CHANNEL_TYPE.test(type)) {
      node.error(`channel type ${JSON.stringify(type)}: use a lower-case name such as sms, whatsapp or webchat`);
    } else if (!PROVIDERS.includes(providerName)) {
      node.error(`unknown provider ${JSON.stringify(providerName)}: use webhook or flow`);
    } else {
      const provider = providerName === 'webhook' ? webhookProvider(def.outboundUrl?.trim() ?? '', secret) : new FlowProvider();
      // Read by the engine's routing and membership rules (docs/identity.md).
      const info = { ...(def.routeByIdentity ? { routing: 'identity' } : {}), ...(def.autoJoin ? { autoJoin: true } : {}) };
      try {
        registration = engine()
          .registerChannel({ id, type, provider, direction, info, profile: def.profile?.trim() || type })
          .catch((error: unknown) => node.error(`channel ${id} is not registered: ${(error as Error).message}`));
      } catch (error) {
        node.error(`channel ${id} is not registered: ${(error as Error).message}`);
      }
      if (providerName === 'webhook' && !secret) {
        node.status({ fill: 'yellow', shape: 'ring', text: 'unsigned' });
        // Info, not a warning: an unsigned channel is a deliberate choice (the demo flow makes it), and
        // a first start must not log warnings a user has to act on. The editor's help says how to sign.
        node.log(`channel ${id} accepts unsigned webhook requests (set a secret to require signatures)`);
      }
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      registration
        .then(() => engine().unregisterChannel(id))
        .catch(() => undefined)
        .then(done);
    });
  }

  RED.nodes.registerType<Node<ChannelCredentials>, ChannelNodeDef, unknown, ChannelCredentials>('roomwire-channel', RoomwireChannelNode, {
    credentials: { secret: { type: 'password' } },
  });
};
