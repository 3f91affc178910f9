// Web chat on Node-RED's own server, under the HTTP node root (no second port):
//   GET  <root>/roomwire/chat?channel=<id>   the full-page chat
//   GET  <root>/roomwire/chat.js             the embeddable widget (a bubble that opens the page)
//   POST <root>/roomwire/chat/start          start a chat: room, binding, token (rate-limited)
//   WS   <root>/roomwire/chat/ws?channel=&token=   the protocol (runtime webchat/frames.ts)
// The WebSocket follows core `websocket in`: one module-level `upgrade` listener on RED.server that
// handles its own path and never touches an upgrade for any other path (the editor's comms share
// the server). Mounted once per Node-RED app and server, whatever the number of deploys.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { answerPreflight, ChatServer, createChatStartHandler, type Logger } from '@roomwire/runtime';
import type { NodeAPI } from 'node-red';
import { chatEndpoint } from './endpoints';
import { chatFile } from './files';

export const CHAT_BASE = '/roomwire';

const mountedApps = new WeakSet<object>();
const attachedServers = new WeakSet<Server>();

function nodeRoot(RED: NodeAPI): string {
  return String(RED.settings.httpNodeRoot ?? '/').replace(/\/+$/, '');
}

/**
 * The chat page runs only its own scripts and styles (defence in depth: participant text is never
 * HTML anyway), talks only to its own server, shows images from the web, and may be framed (by the
 * widget) only on the sites its channel allows.
 */
function pagePolicy(url: string): string {
  const channel = new URL(url, 'http://x').searchParams.get('channel');
  const origins = (channel && chatEndpoint(channel)?.origins) || ['*'];
  const ancestors = origins.includes('*') ? '*' : `'self' ${origins.join(' ')}`;
  return `default-src 'none'; script-src 'self'; style-src 'self'; img-src http: https: data:; connect-src 'self' ws: wss:; frame-ancestors ${ancestors}; base-uri 'none'; form-action 'none'`;
}

/** Web chat's log lines go to Node-RED's log. */
function chatLogger(RED: NodeAPI): Logger {
  return { info: (m) => RED.log.info(m), warn: (m) => RED.log.warn(m), error: (m) => RED.log.error(m) };
}

export function mountChat(RED: NodeAPI): void {
  const app = RED.httpNode as unknown as {
    get: (path: string, handler: unknown) => void;
    post: (path: string, handler: unknown) => void;
    options: (path: string, handler: unknown) => void;
  };
  if (RED.httpNode && !mountedApps.has(RED.httpNode)) {
    mountedApps.add(RED.httpNode);
    const logError = (error: unknown) => RED.log.error(`web chat: ${String(error)}`);
    app.post(`${CHAT_BASE}/chat/start`, createChatStartHandler(chatEndpoint, { onError: logError }));
    app.options(`${CHAT_BASE}/chat/start`, answerPreflight(chatEndpoint));
    app.get(`${CHAT_BASE}/:file`, (req: IncomingMessage & { params: { file: string } }, res: import('node:http').ServerResponse, next: () => void) => {
      const file = chatFile(req.params.file);
      if (!file) return next();
      res.setHeader('content-type', file.type);
      res.setHeader('cache-control', 'no-cache');
      res.setHeader('x-content-type-options', 'nosniff');
      if (req.params.file === 'chat') res.setHeader('content-security-policy', pagePolicy(req.url ?? '/'));
      res.end(file.body);
    });
  }
  const server = RED.server as Server | undefined;
  if (server && !attachedServers.has(server)) {
    attachedServers.add(server);
    const chat = new ChatServer(chatEndpoint, { logger: chatLogger(RED) });
    const path = `${nodeRoot(RED)}${CHAT_BASE}/chat/ws`;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const pathname = (req.url ?? '').split('?')[0];
      if (pathname === path) chat.handleUpgrade(req, socket, head);
    });
    server.on('close', () => chat.close());
  }
}
