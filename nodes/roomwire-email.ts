// `roomwire-email` config node: one mail account (an SMTP server to send through, the sender
// address, each room's reply address, the secret inbound mail is verified with). Email channels
// (`roomwire-channel` with provider `email`) name it; each builds its provider from these
// settings (nodes/lib/providers/email.ts), and the engine closes that provider's SMTP transport
// when the channel stops.
import type { NodeAPI, NodeDef } from 'node-red';
import { migrated } from './lib/migrate';
import type { EmailConfigNode, EmailCredentials } from './lib/providers/email';

type EmailNodeDef = Pick<NodeDef, 'id' | 'type' | 'name' | 'z'> & {
  host?: string;
  port?: string | number;
  secure?: boolean;
  from?: string;
  replyAddress?: string;
  subject?: string;
};


export = function (RED: NodeAPI): void {
  function RoomwireEmailNode(this: EmailConfigNode, raw: EmailNodeDef): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const def = migrated(RED, raw);
    const port = Number(def.port);
    node.emailOptions = () => ({
      smtp: {
        host: def.host?.trim() ?? '',
        ...(Number.isInteger(port) && port > 0 ? { port } : {}),
        secure: def.secure === true,
        user: node.credentials.user || undefined,
        password: node.credentials.password || undefined,
      },
      from: def.from?.trim() ?? '',
      ...(def.replyAddress?.trim() ? { replyAddress: def.replyAddress.trim() } : {}),
      ...(def.subject?.trim() ? { subject: def.subject.trim() } : {}),
      inboundSecret: node.credentials.inboundSecret || undefined,
    });
  }

  RED.nodes.registerType<EmailConfigNode, EmailNodeDef, unknown, EmailCredentials>('roomwire-email', RoomwireEmailNode, {
    credentials: { user: { type: 'text' }, password: { type: 'password' }, inboundSecret: { type: 'password' } },
  });
};
