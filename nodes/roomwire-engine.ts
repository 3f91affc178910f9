// `roomwire-engine` config node: one engine and its SQLite database, shared by the nodes that use
// it, and its HTTP entry points (provider webhooks, the REST API) under a path prefix.
import path from 'node:path';
import { createOperationsHandler, createWebhookHandler, type Engine } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { EngineConfigNode } from './lib/engine-user';
import { quietClientAborts } from './lib/client-aborts';
import { normalisePrefix, serveRoutes, type RouteHandlers } from './lib/http-routes';
import { SharedEngine } from './lib/shared-engine';

interface EngineNodeDef extends NodeDef {
  database?: string;
  maxChainDepth?: string | number;
  httpPrefix?: string;
}

interface EngineCredentials {
  apiToken?: string;
}

const DEFAULT_DATABASE_FILE = 'roomwire.sqlite';
const DEFAULT_MAX_CHAIN_DEPTH = 5;

export = function (RED: NodeAPI): void {
  /**
   * Empty, or an unset `${VAR}` (Node-RED leaves those as written), falls back to $ROOMWIRE_DB and
   * then to the user directory; a relative path is relative to the user directory.
   */
  function databasePath(configured: string | undefined): string {
    const value = configured?.trim() ?? '';
    const chosen = value && !/^\$\{\S+\}$/.test(value) ? value : process.env.ROOMWIRE_DB || DEFAULT_DATABASE_FILE;
    return path.resolve(RED.settings.userDir ?? process.cwd(), chosen);
  }

  function RoomwireEngineNode(this: EngineConfigNode & Node<EngineCredentials>, def: EngineNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const depth = Number(def.maxChainDepth);
    node.shared = new SharedEngine({
      databasePath: databasePath(def.database),
      maxChainDepth: Number.isInteger(depth) && depth >= 0 ? depth : DEFAULT_MAX_CHAIN_DEPTH,
      logger: { info: (m) => node.log(m), warn: (m) => node.warn(m), error: (m) => node.error(m) },
      onOpen: (engine) => RED.log.info(`Roomwire engine ready: database ${engine.databasePath}`),
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
      node.error(`HTTP routes not mounted: ${(error as Error).message}`);
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      releaseRoutes();
      node.shared.close().then(done, (error: unknown) => {
        node.error(`closing the engine failed: ${String(error)}`);
        done();
      });
    });
  }

  RED.nodes.registerType<EngineConfigNode & Node<EngineCredentials>, EngineNodeDef, unknown, EngineCredentials>('roomwire-engine', RoomwireEngineNode, {
    credentials: { apiToken: { type: 'password' } },
  });
};
