// The `flow` channel: the participant is the Node-RED flow itself (a bot, a logger, an observer).
// A delivery is handed to every listener of the channel (`room in` nodes in participant mode);
// with no listener deployed the send fails transiently and is retried.
import { ProviderError, type OutboundMessage, type Provider, type SendResult } from './contract';

export type FlowListener = (message: OutboundMessage) => void;

export class FlowProvider implements Provider {
  readonly name = 'flow';
  private readonly listeners = new Set<FlowListener>();

  listen(listener: FlowListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    if (this.listeners.size === 0) {
      throw new ProviderError('no_listener', `no flow is listening to channel ${message.channel.id}`, false);
    }
    for (const listener of this.listeners) listener(message);
    return { status: 'delivered', providerMessageId: null };
  }
}
