// The engine of one `roomwire-engine` config node, shared by every node that uses it (the shape of
// Node-RED's MQTT broker node): opened on first use, channels registered through it, its state
// fanned out to the users' status, closed with the config node.
import type { ChannelRegistration, Engine, Logger } from '@roomwire/runtime';
import { leaseEngine, type EngineLease } from './engine-registry';
import type { Node, NodeStatus } from 'node-red';

export interface SharedEngineOptions {
  databasePath: string;
  maxChainDepth: number;
  logger: Logger;
  onOpen: (engine: Engine) => void;
}

type ChannelListener = (channelId: string) => void;

export class SharedEngine {
  private opening: Promise<Engine> | null = null;
  private lease: EngineLease | null = null;
  private closed = false;
  /** Channel registrations under way: operations wait for them, so bindings to them can be made. */
  private readonly pendingChannels = new Set<Promise<unknown>>();
  private readonly channelListeners = new Set<ChannelListener>();
  private readonly users = new Set<Node>();
  private state: NodeStatus = { fill: 'yellow', shape: 'ring', text: 'opening' };

  constructor(private readonly options: SharedEngineOptions) {}

  /** The open engine, once every channel registered so far is registered. */
  async ready(): Promise<Engine> {
    const engine = await this.open();
    while (this.pendingChannels.size > 0) await Promise.allSettled([...this.pendingChannels]);
    return engine;
  }

  async call<T = unknown>(operation: string, input: unknown): Promise<T> {
    return (await this.ready()).call<T>(operation, input);
  }

  registerChannel(registration: ChannelRegistration): Promise<void> {
    const registering = this.open()
      .then((engine) => engine.registerChannel(registration))
      .then(() => {
        for (const listener of this.channelListeners) listener(registration.id);
      });
    this.pendingChannels.add(registering);
    const settled = () => this.pendingChannels.delete(registering);
    registering.then(settled, settled);
    return registering;
  }

  async unregisterChannel(id: string): Promise<void> {
    if (!this.opening) return;
    const engine = await this.opening.catch(() => null);
    await engine?.unregisterChannel(id);
  }

  /** Called after a channel is (re)registered: a redeployed channel node carries a new provider. */
  onChannelRegistered(listener: ChannelListener): () => void {
    this.channelListeners.add(listener);
    return () => this.channelListeners.delete(listener);
  }

  addUser(user: Node): void {
    this.users.add(user);
    user.status(this.state);
  }

  removeUser(user: Node): void {
    this.users.delete(user);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channelListeners.clear();
    await this.lease?.release();
  }

  private open(): Promise<Engine> {
    if (this.closed) return Promise.reject(new Error('the Roomwire engine node is closed'));
    if (!this.lease) {
      this.lease = leaseEngine({
        databasePath: this.options.databasePath,
        maxChainDepth: this.options.maxChainDepth,
        logger: this.options.logger,
      });
    }
    this.opening ??= this.lease.engine.then(
      (engine) => {
        this.options.onOpen(engine);
        this.setState({ fill: 'green', shape: 'dot', text: 'ready' });
        return engine;
      },
      (error: unknown) => {
        this.options.logger.error(`cannot open the database ${this.options.databasePath}: ${(error as Error).message}`);
        this.setState({ fill: 'red', shape: 'ring', text: 'database error' });
        throw error;
      },
    );
    return this.opening;
  }

  private setState(state: NodeStatus): void {
    this.state = state;
    for (const user of this.users) user.status(state);
  }
}
