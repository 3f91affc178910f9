// `roomwire-channel` config node: a channel registered with an engine for as long as the node is
// deployed. Its type (sms, whatsapp, webchat...) is what routing, identities and capabilities go
// by; its provider is what carries it. `webhook`: inbound JSON on the engine's webhook route,
// deliveries POSTed to a URL, optionally HMAC-signed both ways. `flow`: the participant is a flow
// (`room in`, participant mode).
import type { Direction } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { ChannelConfigNode } from './lib/channel-config';
import { useEngine } from './lib/engine-user';
import { translator } from './lib/i18n';
import { migrated } from './lib/migrate';
import { providerKind, providerKindNames } from './lib/provider-kinds';

// A type, not an interface: provider kinds read it as a record of settings.
type ChannelNodeDef = Pick<NodeDef, 'id' | 'type' | 'name' | 'z'> & {
  engine: string;
  channelId?: string;
  channelType?: string;
  provider?: string;
  direction?: Direction;
  routeByIdentity?: boolean;
  autoJoin?: boolean;
  profile?: string;
  outboundUrl?: string;
};

type ChannelCredentials = Record<string, string | undefined>;

const CHANNEL_ID = /^[A-Za-z0-9._:@+-]{1,128}$/;
const CHANNEL_TYPE = /^[a-z][a-z0-9_-]{0,31}$/;
const DIRECTIONS: Direction[] = ['inbound', 'outbound', 'bidirectional'];

export = function (RED: NodeAPI): void {
  const _ = translator(RED);

  function RoomwireChannelNode(this: Node<ChannelCredentials>, raw: ChannelNodeDef): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const def = migrated(RED, raw);
    // A config node has no status on the canvas; its own (`unsigned`) is for Status nodes and tests.
    const engine = useEngine(RED, node, def.engine, { showState: false });
    const id = def.channelId?.trim() || node.id;
    // Flow nodes that name this config node (transcode) read the channel id from it.
    (node as ChannelConfigNode).channelId = id;
    const type = def.channelType?.trim() || 'webhook';
    const providerName = def.provider?.trim() || 'webhook';
    const direction = DIRECTIONS.includes(def.direction as Direction) ? def.direction : 'bidirectional';
    const secret = node.credentials.secret || undefined;

    let registration: Promise<void> = Promise.resolve();
    if (!CHANNEL_ID.test(id)) {
      node.error(_('roomwire-channel.errors.channel-id', { id: JSON.stringify(id) }));
    } else if (!CHANNEL_TYPE.test(type)) {
      node.error(_('roomwire-channel.errors.channel-type', { type: JSON.stringify(type) }));
    } else if (!providerKind(providerName)) {
      node.error(_('roomwire-channel.errors.provider', { provider: JSON.stringify(providerName), providers: providerKindNames().join(', ') }));
    } else {
      const provider = providerKind(providerName)!.create({ RED, channelNode: node, def, channelId: id, channelType: type });
      // Read by the engine's routing and membership rules (docs/identity.md).
      const info = { ...(def.routeByIdentity ? { routing: 'identity' } : {}), ...(def.autoJoin ? { autoJoin: true } : {}) };
      try {
        registration = engine()
          .registerChannel({ id, type, provider, direction, info, profile: def.profile?.trim() || type })
          .catch((error: unknown) => node.error(_('roomwire-channel.errors.not-registered', { id, message: (error as Error).message })));
      } catch (error) {
        node.error(_('roomwire-channel.errors.not-registered', { id, message: (error as Error).message }));
      }
      if (providerName === 'webhook' && !secret) {
        node.status({ fill: 'yellow', shape: 'ring', text: _('roomwire-channel.status.unsigned') });
        // Info, not a warning: an unsigned channel is a deliberate choice (the demo flow makes it), and
        // a first start must not log warnings a user has to act on. The editor's help says how to sign.
        node.log(_('roomwire-channel.log.unsigned', { id }));
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
