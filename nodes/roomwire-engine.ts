// `roomwire-engine` config node: one engine and its SQLite database, shared by the nodes that use
// it, and its HTTP entry points (provider webhooks, the REST API) under a path prefix. A database
// file or a path prefix another engine node already holds is a deploy error shown on this
// engine's nodes. Loading this module also serves the editor's lists (lib/admin-vocabulary.ts).
import path from 'node:path';
import { createOperationsHandler, createWebhookHandler, type Engine } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { serveVocabulary } from './lib/admin-vocabulary';
import { claimDatabase, type EngineLease } from './lib/engine-registry';
import type { EngineConfigNode } from './lib/engine-user';
import { quietClientAborts } from './lib/client-aborts';
import { normalisePrefix, serveRoutes, type RouteHandlers } from './lib/http-routes';
import { translator } from './lib/i18n';
import { migrated } from './lib/migrate';
import { SharedEngine } from './lib/shared-engine';
import { chooseStore, type StoreSettings } from './lib/store-choice';

interface EngineNodeDef extends NodeDef, StoreSettings {
  database?: string;
  maxChainDepth?: string | number;
  httpPrefix?: string;
}

interface EngineCredentials {
  apiToken?: string;
  postgresUrl?: string;
}

const DEFAULT_DATABASE_FILE = 'roomwire.sqlite';
const DEFAULT_MAX_CHAIN_DEPTH = 5;

export = function (RED: NodeAPI): void {
  const _ = translator(RED);
  serveVocabulary(RED);

  /**
   * Empty, or an unset `${VAR}` (Node-RED leaves those as written), falls back to $ROOMWIRE_DB and
   * then to the user directory; a relative path is relative to the user directory.
   */
  function databasePath(configured: string | undefined): string {
    const value = configured?.trim() ?? '';
    const chosen = value && !/^\$\{\S+\}$/.test(value) ? value : process.env.ROOMWIRE_DB || DEFAULT_DATABASE_FILE;
    return path.resolve(RED.settings.userDir ?? process.cwd(), chosen);
  }

  /** A lease whose engine never opens: the reason is the node's fault, shown on its users. */
  function refusedLease(error: Error): EngineLease {
    return { engine: () => Promise.reject(error), release: async () => undefined };
  }

  function RoomwireEngineNode(this: EngineConfigNode & Node<EngineCredentials>, raw: EngineNodeDef): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const def = migrated(RED, raw);
    const depth = Number(def.maxChainDepth);
    const logger = { info: (m: string) => node.log(m), warn: (m: string) => node.warn(m), error: (m: string) => node.error(m) };
    const faults: string[] = [];

    let lease: EngineLease;
    let database = databasePath(def.database);
    try {
      const chosen = chooseStore(def, node.credentials.postgresUrl, database, (error) => node.warn(String(error)), _);
      database = chosen.key;
      lease = claimDatabase({ databasePath: database, store: chosen.store, maxChainDepth: Number.isInteger(depth) && depth >= 0 ? depth : DEFAULT_MAX_CHAIN_DEPTH, logger }, node.id);
    } catch (error) {
      node.error(_('roomwire-engine.errors.database-in-use', { message: (error as Error).message }));
      faults.push(_('roomwire-engine.status.database-in-use'));
      lease = refusedLease(error as Error);
    }
    node.shared = new SharedEngine({
      lease,
      databasePath: database,
      logger,
      translate: _,
      onOpen: (engine) => RED.log.info(_('roomwire-engine.log.ready', { path: engine.databasePath })),
    });

    let handlers: Promise<RouteHandlers> | undefined;
    const routeHandlers = () =>
      (handlers ??= node.shared.ready().then((engine: Engine) => {
        const options = {
          apiToken: node.credentials.apiToken || undefined,
          onError: (error: unknown) => node.error(String(error)),
          onDebug: (message: string) => node.debug(message),
        };
        return { webhook: createWebhookHandler(engine, options), operations: createOperationsHandler(engine, options) };
      }));
    let releaseRoutes = () => {};
    quietClientAborts(RED.httpNode, (message) => RED.log.debug(message));
    try {
      releaseRoutes = serveRoutes(RED.httpNode, normalisePrefix(def.httpPrefix || '/roomwire'), node.id, routeHandlers);
    } catch (error) {
      node.error(_('roomwire-engine.errors.routes', { message: (error as Error).message }));
      faults.push(_('roomwire-engine.status.path-in-use'));
    }
    if (faults.length > 0) node.shared.setFault(faults.join(', '));

    node.on('close', (_removed: boolean, done: () => void) => {
      releaseRoutes();
      node.shared.close().then(done, (error: unknown) => {
        node.error(_('roomwire-engine.errors.close', { message: String(error) }));
        done();
      });
    });
  }

  RED.nodes.registerType<EngineConfigNode & Node<EngineCredentials>, EngineNodeDef, unknown, EngineCredentials>('roomwire-engine', RoomwireEngineNode, {
    credentials: { apiToken: { type: 'password' }, postgresUrl: { type: 'password' } },
  });
};
