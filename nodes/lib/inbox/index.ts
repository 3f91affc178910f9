// The agent inbox of one engine node: its accounts (from the node's credentials), the `agent`
// channel agents act through, and the page and API under <prefix>/inbox.
import { AGENT_CHANNEL_TYPE, createAgentInboxProvider } from '@roomwire/runtime';
import type { NodeAPI } from 'node-red';
import type { SharedEngine } from '../shared-engine';
import { AgentAccounts, parseAgentAccounts, type AgentCredentials } from './accounts';
export { agentCredentialTypes } from './accounts';
export { serveEditorBcrypt } from './editor-bcrypt';
import { createInboxHandler } from './handler';
import { inboxBasePath, serveInbox } from './routes';
import { AgentSessions } from './sessions';

/** The channel id of every engine's agents (one engine, one database: no clash). */
export const AGENT_CHANNEL_ID = 'agent-inbox';

export interface AgentInboxOptions {
  owner: string;
  prefix: string;
  /** The engine node's credentials (the agent account slots). */
  credentials: AgentCredentials | undefined;
  shared: SharedEngine;
  warn: (message: string) => void;
  onError: (error: unknown) => void;
}

/** Serves the inbox until the returned release is called (the engine node's close). */
export function startAgentInbox(RED: NodeAPI, options: AgentInboxOptions): () => void {
  const accounts = new AgentAccounts(parseAgentAccounts(options.credentials, options.warn));
  if (accounts.size > 0) {
    options.shared
      .registerChannel({ id: AGENT_CHANNEL_ID, type: AGENT_CHANNEL_TYPE, provider: createAgentInboxProvider(), profile: 'webhook', info: { audience: 'internal' } })
      .catch(options.onError);
  }
  const app = RED.httpNode as unknown as Parameters<typeof serveInbox>[0];
  const handler = createInboxHandler({
    engine: () => options.shared.ready(),
    accounts,
    sessions: new AgentSessions(async () => (await options.shared.ready()).agentSessions, options.prefix),
    agentChannelId: AGENT_CHANNEL_ID,
    basePath: inboxBasePath(app, options.prefix),
    onError: options.onError,
  });
  const stopServing = serveInbox(app, options.prefix, options.owner, handler);
  return () => {
    stopServing();
    // Its streams hear this node's engine, which closes now: the pages reconnect and read again.
    handler.endStreams();
  };
}
