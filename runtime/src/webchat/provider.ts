// The web chat provider: a delivery to a web chat binding is `delivered` once a connected page of
// that binding took the message (its frame was handed to the socket), and stays `sent` when no
// page is connected: the page reads it from history when it connects again. A page connected to
// another engine on the database is recorded there, by that engine's hub (hub.ts).
import type { OutboundMessage, Provider, SendResult } from '../providers/contract';
import type { ChatHub } from './hub';
import { WEBCHAT_PROVIDER } from './provider-name';

export class WebchatProvider implements Provider {
  readonly name = WEBCHAT_PROVIDER;
  /** Kept once known: on close the engine that made it may already be closing. */
  private resolved?: ChatHub;

  /** `hub` is asked per send: the engine (and so its hub) may open after the channel node starts. */
  constructor(
    private readonly hub: () => ChatHub | Promise<ChatHub>,
    private readonly channelId?: string,
  ) {}

  /** Resolves the hub ahead of the first send, so that closing the channel can reach its pages. */
  async warm(): Promise<void> {
    await this.current();
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const taken = await (await this.current()).deliver(message.to.bindingId, message.event.index);
    return { status: taken ? 'delivered' : 'sent' };
  }

  async close(): Promise<void> {
    if (this.channelId) this.resolved?.closeChannel(this.channelId);
  }

  private async current(): Promise<ChatHub> {
    return (this.resolved ??= await this.hub());
  }
}
