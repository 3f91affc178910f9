// `roomwire-channel` config node: a channel registered with an engine for as long as the node is
// deployed. Its type (sms, whatsapp, webchat...) is what routing, identities and capabilities go
// by; its provider is what carries it. `webhook`: inbound JSON on the engine's webhook route,
// deliveries POSTed to a URL, optionally HMAC-signed both ways. `flow`: the participant is a flow
// (`room in`, participant mode). `twilio` and the other kinds of lib/provider-kinds.ts, and
// providers installed from npm as `roomwire-provider` plugins (lib/provider-plugins.ts).
import type { Direction } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { serveProviders } from './lib/admin-providers';
import type { ChannelConfigNode } from './lib/channel-config';
import { useEngine, type EngineConfigNode } from './lib/engine-user';
import { translator } from './lib/i18n';
import { migrated } from './lib/migrate';
import { ProviderNotConfigured, type ProviderKind } from './lib/provider-kind';
import { providerKind } from './lib/provider-kinds';
import { onPluginAdded, pluginKind } from './lib/provider-plugins';
import { channelWebhookUrl } from './lib/public-url';

// A type, not an interface: provider kinds read it as a record of settings.
type ChannelNodeDef = Pick<NodeDef, 'id' | 'type' | 'name' | 'z'> & {
  engine: string;
  channelId?: string;
  channelType?: string;
  provider?: string;
  direction?: Direction;
  routeByIdentity?: boolean;
  autoJoin?: boolean;
  /** The address of a participant bound in every new room (membership.ts `joinsNewRooms`). */
  joinNewRooms?: string;
  profile?: string;
  outboundUrl?: string;
  /** Twilio: the `roomwire-twilio` config node, and the number sent from. */
  twilio?: string;
  twilioFrom?: string;
  /** A plugin provider's settings, as its editor form saved them (secrets: `providerSecrets`). */
  providerSettings?: Record<string, unknown>;
};

type ChannelCredentials = Record<string, string | undefined>;

const CHANNEL_ID = /^[A-Za-z0-9._:@+-]{1,128}$/;
const CHANNEL_TYPE = /^[a-z][a-z0-9_-]{0,31}$/;
const DIRECTIONS: Direction[] = ['inbound', 'outbound', 'bidirectional'];

export = function (RED: NodeAPI): void {
  const _ = translator(RED);
  serveProviders(RED);

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
    let stopWaiting = () => {};
    const lookUp = (): ProviderKind | undefined => providerKind(providerName) ?? pluginKind(RED, providerName);
    const found = lookUp();

    const start = (kind: ProviderKind) => {
      const webhookUrl = () => {
        const address = (RED.nodes.getNode(def.engine) as EngineConfigNode | null)?.address ?? { httpPrefix: '/roomwire' };
        return channelWebhookUrl(RED, address, id);
      };
      let provider;
      try {
        provider = kind.create({ RED, channelNode: node, def, channelId: id, channelType: type, webhookUrl });
      } catch (error) {
        if (error instanceof ProviderNotConfigured) {
          node.status({ fill: 'yellow', shape: 'ring', text: _('roomwire-channel.status.not-configured') });
          node.warn(_('roomwire-channel.errors.not-configured', { id, provider: providerName, missing: error.missing.join(', ') }));
        } else {
          node.status({ fill: 'red', shape: 'ring', text: _('roomwire-channel.status.provider-failed') });
          node.error(_('roomwire-channel.errors.provider-failed', { id, provider: providerName, message: (error as Error).message }));
        }
        return;
      }
      // Read by the engine's routing and membership rules (docs/identity.md).
      const joins = typeof def.joinNewRooms === 'string' ? def.joinNewRooms.trim() : '';
      const info = {
        ...(def.routeByIdentity ? { routing: 'identity' } : {}),
        ...(def.autoJoin ? { autoJoin: true } : {}),
        ...(joins ? { joinsNewRooms: { address: joins } } : {}),
      };
      try {
        registration = engine()
          .registerChannel({ id, type, provider, direction, info, profile: def.profile?.trim() || type })
          .catch((error: unknown) => node.error(_('roomwire-channel.errors.not-registered', { id, message: (error as Error).message })));
      } catch (error) {
        node.error(_('roomwire-channel.errors.not-registered', { id, message: (error as Error).message }));
        return;
      }
      if (providerName === 'webhook' && !secret) {
        node.status({ fill: 'yellow', shape: 'ring', text: _('roomwire-channel.status.unsigned') });
        // Info, not a warning: an unsigned channel is a deliberate choice (the demo flow makes it), and
        // a first start must not log warnings a user has to act on. The editor's help says how to sign.
        node.log(_('roomwire-channel.log.unsigned', { id }));
      } else {
        node.status({});
      }
    };

    if (!CHANNEL_ID.test(id)) {
      node.error(_('roomwire-channel.errors.channel-id', { id: JSON.stringify(id) }));
    } else if (!CHANNEL_TYPE.test(type)) {
      node.error(_('roomwire-channel.errors.channel-type', { type: JSON.stringify(type) }));
    } else if (found) {
      start(found);
    } else {
      // A provider package may be installed from the palette after this channel started.
      node.status({ fill: 'yellow', shape: 'ring', text: _('roomwire-channel.status.no-provider', { provider: providerName }) });
      node.warn(_('roomwire-channel.errors.provider', { provider: JSON.stringify(providerName) }));
      stopWaiting = onPluginAdded(RED, () => {
        const kind = lookUp();
        if (!kind) return;
        stopWaiting();
        start(kind);
      });
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      stopWaiting();
      registration
        .then(() => engine().unregisterChannel(id))
        .catch(() => undefined)
        .then(done);
    });
  }

  RED.nodes.registerType<Node<ChannelCredentials>, ChannelNodeDef, unknown, ChannelCredentials>('roomwire-channel', RoomwireChannelNode, {
    credentials: { secret: { type: 'password' }, providerSecrets: { type: 'password' } },
  });
};
