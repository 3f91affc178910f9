// `roomwire-engine` config node: one engine and its SQLite database, shared by the nodes that use
// it, and its HTTP entry points (provider webhooks, the REST API) under a path prefix. A database
// file or a path prefix another engine node already holds is a deploy error shown on this
// engine's nodes. Loading this module also serves the editor's lists (lib/admin-vocabulary.ts).
import path from 'node:path';
import { createWebhookHandler, type Engine } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { serveVocabulary } from './lib/admin-vocabulary';
import { apiSurfaces, configuredTokens, type ApiCredentials } from './lib/api-surfaces';
import { claimDatabase, type EngineLease } from './lib/engine-registry';
import type { EngineConfigNode } from './lib/engine-user';
import { quietClientAborts } from './lib/client-aborts';
import { normalisePrefix, serveRoutes, type RouteHandlers } from './lib/http-routes';
import { translator } from './lib/i18n';
import { migrated } from './lib/migrate';
import { engineAddress } from './lib/public-url';
import { SharedEngine } from './lib/shared-engine';
import { agentCredentialTypes, serveEditorBcrypt, startAgentInbox } from './lib/inbox';
import type { AgentCredentials } from './lib/inbox/accounts';
import { chatTokenSecret } from './lib/webchat/secret';
import { chooseStore, type StoreSettings } from './lib/store-choice';

interface EngineNodeDef extends NodeDef, StoreSettings {
  database?: string;
  maxChainDepth?: string | number;
  httpPrefix?: string;
  /** Where providers reach this Node-RED (lib/public-url.ts). */
  publicUrl?: string;
}

type EngineCredentials = AgentCredentials & ApiCredentials & { postgresUrl?: string };

const DEFAULT_DATABASE_FILE = 'roomwire.sqlite';
const DEFAULT_MAX_CHAIN_DEPTH = 5;

export = function (RED: NodeAPI): void {
  const _ = translator(RED);
  serveVocabulary(RED);
  serveEditorBcrypt(RED);

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
    node.address = engineAddress(def, normalisePrefix, (message) => node.error(_('roomwire-engine.errors.public-url', { message })));

    let lease: EngineLease;
    let database = databasePath(def.database);
    try {
      const chosen = chooseStore(def, node.credentials.postgresUrl, database, (error) => node.warn(String(error)), _);
      database = chosen.key;
      lease = claimDatabase(
        {
          databasePath: database,
          store: chosen.store,
          maxChainDepth: Number.isInteger(depth) && depth >= 0 ? depth : DEFAULT_MAX_CHAIN_DEPTH,
          logger,
          chatTokenSecret: chatTokenSecret(RED),
        },
        node.id,
      );
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

    let tokens: ReturnType<typeof configuredTokens> = [];
    try {
      tokens = configuredTokens(node.credentials);
    } catch (error) {
      node.error(_('roomwire-engine.errors.tokens', { message: (error as Error).message }));
    }
    let handlers: Promise<RouteHandlers> | undefined;
    const routeHandlers = () =>
      (handlers ??= node.shared.ready().then((engine: Engine) => {
        const options = {
          publicBaseUrl: node.address.publicUrl,
          onError: (error: unknown) => node.error(String(error)),
          onDebug: (message: string) => node.debug(message),
        };
        return { webhook: createWebhookHandler(engine, options), ...apiSurfaces(engine, tokens, { error: options.onError, debug: options.onDebug }) };
      }));
    let releaseRoutes = () => {};
    quietClientAborts(RED.httpNode, (message) => RED.log.debug(message));
    try {
      const prefix = normalisePrefix(def.httpPrefix || '/roomwire');
      releaseRoutes = serveRoutes(RED.httpNode, prefix, node.id, routeHandlers);
      const releaseInbox = startAgentInbox(RED, { owner: node.id, prefix, credentials: node.credentials, shared: node.shared, warn: (m) => node.warn(m), onError: (e) => node.error(String(e)) });
      const releaseEngineRoutes = releaseRoutes;
      releaseRoutes = () => (releaseEngineRoutes(), releaseInbox());
    } catch (error) {
      node.error(_('roomwire-engine.errors.routes', { message: (error as Error).message }));
      faults.push(_('roomwire-engine.status.path-in-use'));
    }
    if (faults.length > 0) node.shared.setFault(faults.join(', '));

    node.on('close', (_removed: boolean, done: () => void) => {
      releaseRoutes();
      void handlers?.then((served) => served.mcp.close(), () => undefined);
      node.shared.close().then(done, (error: unknown) => {
        node.error(_('roomwire-engine.errors.close', { message: String(error) }));
        done();
      });
    });
  }

  RED.nodes.registerType<EngineConfigNode & Node<EngineCredentials>, EngineNodeDef, unknown, EngineCredentials>('roomwire-engine', RoomwireEngineNode, {
    credentials: { apiToken: { type: 'password' }, apiTokens: { type: 'password' }, postgresUrl: { type: 'password' }, ...agentCredentialTypes() },
  });
};
