// The MCP server of an engine (official SDK, Streamable HTTP in session mode) over plain Node
// request/response objects, so it mounts on Node-RED's Express 4 app under the engine's root.
// Every HTTP request shows a token (gateway.admit: 401, 429); a session stays with the token that
// opened it. Tools and resource reads call the operations through the gateway, as the REST API
// does; a subscribed room tells its watchers when it changes (resources/updated).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  ErrorCode as McpErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { ApiGateway } from '../api/gateway';
import type { Principal } from '../api/tokens';
import { RoomwireError } from '../errors';
import { sendJson } from '../http/handlers';
import type { Binding, Room } from '../model';
import type { Notification } from '../notify';
import { canSeeInHistory } from '../permissions';
import { ROOM_TEMPLATE, TIMELINE_TEMPLATE, parseResourceUri, readCall, roomUri } from './resources';
import { describeTool, toolTable } from './tools';

export interface McpHandlerOptions {
  version?: string;
  /** Sessions one token may hold open at once (default MAX_MCP_SESSIONS_PER_TOKEN). */
  maxSessionsPerToken?: number;
  onError?: (error: unknown) => void;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  principal: Principal;
  close: () => void;
  /** Order of last use, for closing the least recently used session of a token. */
  used: number;
}

/**
 * Sessions one token may hold open at once. Clients that vanish without ending their session would
 * otherwise pile up (each holds a server and an engine subscription) until memory runs out; past
 * the limit the token's least recently used session is closed, and its client has to start over.
 */
export const MAX_MCP_SESSIONS_PER_TOKEN = 32;

/** A Roomwire error as an MCP protocol error (resource reads, subscriptions). */
function protocolError(error: unknown): unknown {
  if (!(error instanceof RoomwireError)) return error;
  const code = error.code === 'not_found' ? -32002 : McpErrorCode.InvalidParams;
  return new McpError(code, error.message, error.toJSON().error);
}

function sessionServer(gateway: ApiGateway, principal: Principal, version: string, onError: (error: unknown) => void): { server: Server; close: () => void } {
  const tools = toolTable();
  const server = new Server({ name: 'roomwire', version }, { capabilities: { tools: {}, resources: { subscribe: true } } });
  const subscriptions = new Map<string, { roomId: string; readerId?: string }>();

  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [...tools.values()].map(describeTool) }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const op = tools.get(request.params.name);
    if (!op) throw new McpError(McpErrorCode.InvalidParams, `unknown tool ${JSON.stringify(request.params.name)}`);
    try {
      const result = await gateway.call(principal, op.name, request.params.arguments ?? {});
      return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result as Record<string, unknown> };
    } catch (error) {
      if (!(error instanceof RoomwireError)) throw error;
      // Tool errors go back to the model as a result it can read and correct (MCP `isError`).
      return { isError: true, content: [{ type: 'text', text: JSON.stringify(error.toJSON()) }] };
    }
  });

  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: [
      { uriTemplate: ROOM_TEMPLATE, name: 'room', description: 'A room and its participants (bindings).', mimeType: 'application/json' },
      {
        uriTemplate: TIMELINE_TEMPLATE,
        name: 'timeline',
        description: 'Events of a room after the index `after` (default: from the start), at most `limit` (default 100); `nextAfter` in the answer is the next page.',
        mimeType: 'application/json',
      },
    ],
  }));
  server.setRequestHandler(ListResourcesRequestSchema, async () => {
    try {
      const rooms = principal.bindingId
        ? [((await gateway.call(principal, 'getRoom', {})) as { room: Room }).room]
        : ((await gateway.call(principal, 'listRooms', { limit: 100 })) as { rooms: Room[] }).rooms;
      return {
        resources: rooms.flatMap((room) => [
          { uri: roomUri(room.id), name: `room ${room.id}`, mimeType: 'application/json' },
          { uri: `${roomUri(room.id)}/timeline`, name: `timeline of room ${room.id}`, mimeType: 'application/json' },
        ]),
      };
    } catch (error) {
      throw protocolError(error);
    }
  });
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    try {
      const call = readCall(parseResourceUri(request.params.uri));
      const result = await gateway.call(principal, call.name, call.input);
      return { contents: [{ uri: request.params.uri, mimeType: 'application/json', text: JSON.stringify(result) }] };
    } catch (error) {
      throw protocolError(error);
    }
  });
  server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    try {
      const { roomId } = parseResourceUri(request.params.uri);
      await gateway.call(principal, 'getRoom', { roomId }); // may this client see the room at all?
      subscriptions.set(request.params.uri, { roomId, readerId: principal.bindingId });
      return {};
    } catch (error) {
      throw protocolError(error);
    }
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });

  /**
   * A participant hears only about events it may see, as its binding is now: muted, moved to
   * write-only or gone since it subscribed, it is told nothing more.
   */
  async function tell(uri: string, readerId: string | undefined, notification: Notification): Promise<void> {
    if (readerId) {
      if (notification.kind !== 'event') return;
      const reader: Binding | undefined = await gateway.participant(readerId).catch(() => undefined);
      if (!reader || !canSeeInHistory(reader, notification.event)) return;
    }
    await server.sendResourceUpdated({ uri });
  }

  const unsubscribe = gateway.engine.subscribe((notification: Notification) => {
    for (const [uri, watch] of subscriptions) {
      // Changes of any room may have gone unheard: every subscriber reads its room again.
      if (notification.kind === 'resync') server.sendResourceUpdated({ uri }).catch(onError);
      else if (watch.roomId === notification.roomId) tell(uri, watch.readerId, notification).catch(onError);
    }
  });
  return { server, close: unsubscribe };
}

export interface McpHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  close(): Promise<void>;
}

export function createMcpHandler(gateway: ApiGateway, options: McpHandlerOptions = {}): McpHandler {
  const sessions = new Map<string, Session>();
  const onError = options.onError ?? (() => {});
  let uses = 0;

  async function makeRoom(principal: Principal): Promise<void> {
    const own = [...sessions.values()].filter((session) => session.principal.id === principal.id);
    if (own.length < (options.maxSessionsPerToken ?? MAX_MCP_SESSIONS_PER_TOKEN)) return;
    const oldest = own.reduce((a, b) => (a.used <= b.used ? a : b));
    await oldest.transport.close().catch(onError);
  }

  async function open(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void> {
    await makeRoom(principal);
    const { server, close } = sessionServer(gateway, principal, options.version ?? '0.0.0', onError);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (id) => void sessions.set(id, { transport, principal, close, used: ++uses }),
    });
    transport.onclose = () => {
      close();
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res);
    // A first request that did not initialize a session leaves nothing behind.
    if (!transport.sessionId) await server.close();
  }

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const principal = gateway.admit(req.headers.authorization);
      const id = req.headers['mcp-session-id'];
      if (typeof id !== 'string') {
        await open(req, res, principal);
        return;
      }
      const session = sessions.get(id);
      if (!session) throw new RoomwireError('not_found', 'unknown or ended MCP session', 'mcp-session-id');
      if (session.principal.id !== principal.id) throw new RoomwireError('forbidden', 'this MCP session belongs to another token', 'mcp-session-id');
      session.used = ++uses;
      await session.transport.handleRequest(req, res);
    } catch (error) {
      if (!(error instanceof RoomwireError)) {
        onError(error);
        sendJson(res, 500, { error: { code: 'internal', message: 'internal error' } });
        return;
      }
      if (error.code === 'unauthorized') res.setHeader('www-authenticate', 'Bearer');
      const retry = (error as RoomwireError & { retryAfter?: number }).retryAfter;
      if (retry !== undefined) res.setHeader('retry-after', String(retry));
      req.resume();
      sendJson(res, error.httpStatus, error.toJSON());
    }
  };
  return Object.assign(handler, {
    close: async () => {
      await Promise.all([...sessions.values()].map((session) => session.transport.close()));
      sessions.clear();
    },
  });
}
