// Channels registered at run time (a Node-RED `roomwire-channel` config node, or code), each with
// the provider instance that carries it. The channel record itself is also stored, so bindings
// keep their channel type while the carrying node is not deployed.
import { RoomwireError } from './errors';
import type { Channel } from './model';
import type { Provider } from './providers/contract';

export interface RegisteredChannel {
  channel: Channel;
  provider: Provider;
  /** Name of the capability profile (issue 3) plus optional overrides. */
  profile: string;
  profileOverride?: Record<string, unknown>;
  /** Sends to this channel that may be under way at once (a provider's rate or connection limit). */
  maxConcurrency: number;
}

export class ChannelRegistry {
  private readonly channels = new Map<string, RegisteredChannel>();
  private readonly waiters = new Map<string, (() => void)[]>();

  register(entry: RegisteredChannel): void {
    this.channels.set(entry.channel.id, entry);
    for (const wake of this.waiters.get(entry.channel.id) ?? []) wake();
    this.waiters.delete(entry.channel.id);
  }

  unregister(id: string): RegisteredChannel | undefined {
    const entry = this.channels.get(id);
    this.channels.delete(id);
    return entry;
  }

  get(id: string): RegisteredChannel | undefined {
    return this.channels.get(id);
  }

  require(id: string, field = 'channelId'): RegisteredChannel {
    const entry = this.channels.get(id);
    if (!entry) throw new RoomwireError('not_found', `channel ${JSON.stringify(id)} is not registered`, field);
    return entry;
  }

  /** Resolves when the channel is (re)registered: deliveries wait for their provider to come back. */
  whenRegistered(id: string): Promise<void> {
    if (this.channels.has(id)) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  list(): RegisteredChannel[] {
    return [...this.channels.values()];
  }
}
