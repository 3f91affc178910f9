// The engine of one `roomwire-engine` config node, shared by every node that uses it (the shape of
// Node-RED's MQTT broker node): opened on first use, channels registered through it, its state
// fanned out to the users' status, closed with the config node. A fault found at deploy (its
// database or HTTP path taken by another engine node) stays on the users' status: never "ready".
import type { ChannelRegistration, Engine, Logger } from '@roomwire/runtime';
import type { EngineLease } from './engine-registry';
import type { Node, NodeStatus } from 'node-red';
import type { Translate } from './i18n';

export interface SharedEngineOptions {
  lease: EngineLease;
  databasePath: string;
  logger: Logger;
  translate: Translate;
  onOpen: (engine: Engine) => void;
}

type ChannelListener = (channelId: string) => void;

export class SharedEngine {
  private opening: Promise<Engine> | null = null;
  private closed = false;
  /** Why this engine cannot serve, shown on every user instead of its state. */
  private fault: NodeStatus | null = null;
  /** Channel registrations under way: operations wait for them, so bindings to them can be made. */
  private readonly pendingChannels = new Set<Promise<unknown>>();
  private readonly channelListeners = new Set<ChannelListener>();
  private readonly users = new Set<Node>();
  private state: NodeStatus;

  constructor(private readonly options: SharedEngineOptions) {
    this.state = { fill: 'yellow', shape: 'ring', text: options.translate('roomwire-engine.status.opening') };
  }

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
    user.status(this.fault ?? this.state);
  }

  /** Marks the engine as misconfigured: every user shows `text` in red from now on. */
  setFault(text: string): void {
    this.fault = { fill: 'red', shape: 'ring', text };
    for (const user of this.users) user.status(this.fault);
  }

  removeUser(user: Node): void {
    this.users.delete(user);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channelListeners.clear();
    await this.options.lease.release();
  }

  private open(): Promise<Engine> {
    if (this.closed) return Promise.reject(new Error('the Roomwire engine node is closed'));
    const translate = this.options.translate;
    this.opening ??= this.options.lease.engine().then(
      (engine) => {
        this.options.onOpen(engine);
        this.setState({ fill: 'green', shape: 'dot', text: translate('roomwire-engine.status.ready') });
        return engine;
      },
      (error: unknown) => {
        this.options.logger.error(translate('roomwire-engine.errors.open', { path: this.options.databasePath, message: (error as Error).message }));
        this.setState({ fill: 'red', shape: 'ring', text: translate('roomwire-engine.status.database-error') });
        throw error;
      },
    );
    return this.opening;
  }

  private setState(state: NodeStatus): void {
    this.state = state;
    if (this.fault) return;
    for (const user of this.users) user.status(state);
  }
}
