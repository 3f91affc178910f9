// The pieces of one engine, passed explicitly to the modules that implement its operations.
import type { ChannelRegistry } from './channels';
import type { DeliveryWorker } from './delivery/worker';
import type { HookRegistry } from './hooks/registry';
import type { Notifier } from './notify';
import type { RoomCache } from './pipeline/room-cache';
import type { SerialQueues } from './pipeline/serial';
import type { Store } from './store/store';
import type { Leases } from './store/leases';
import type { RoomEvent } from './model';
import type { Scheduler } from './timers/scheduler';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface EngineParts {
  store: Store;
  cache: RoomCache;
  serial: SerialQueues;
  hooks: HookRegistry;
  notifier: Notifier;
  channels: ChannelRegistry;
  delivery: DeliveryWorker;
  scheduler: Scheduler;
  clock: () => number;
  logger: Logger;
  /** This engine's claims on deliveries and timers, shared with the other engines of its database. */
  leases: Leases;
  maxChainDepth: number;
  /**
   * Identity merges this engine made, source → destination, noted before they commit: a binding
   * whose identity was resolved just before a merge and is created just after it still points at
   * the surviving identity.
   */
  mergedIdentities: Map<string, string>;
  /** Provider message ids being written right now, so a provider retry racing the first attempt waits for it. */
  inflightProviderMessages: Map<string, Promise<RoomEvent>>;
  /** Signs and checks web chat join tokens (webchat/tokens.ts). */
  chatTokenSecret: Buffer;
}
