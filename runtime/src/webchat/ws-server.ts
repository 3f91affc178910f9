// The web chat WebSocket endpoint over the `ws` package, on a server that already exists (Node-RED's
// own, or any `http.Server`): `GET …/roomwire/chat/ws?channel=<id>&token=<token>` upgrades only
// when the token is the engine's, unexpired, for that channel and a binding still in its room.
// Refusals are plain HTTP answers (400, 401, 403, 404) before any WebSocket exists, so nothing is
// stored and no session is made for them. A page over the chat's limit of pages is the exception:
// a browser's page cannot read the HTTP status of a refused upgrade, and would take a plain 429 for
// a token refused for good and start a new chat, so it is told over the WebSocket, closed at once.
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { RoomwireError } from '../errors';
import type { Logger } from '../engine-parts';
import { originAllowed, type ChatEndpoints } from './endpoint';
import type { ChatHub } from './hub';
import { errorFrame } from './frames';
import { CLOSE, type ChatSocket } from './socket';

export interface ChatServerOptions {
  /** Largest frame a page may send (default 64 KiB); a larger one closes the socket (1009). */
  maxPayloadBytes?: number;
  logger?: Logger;
}

const silent: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export class ChatServer {
  private readonly wss: WebSocketServer;
  private readonly logger: Logger;

  constructor(
    private readonly endpoints: ChatEndpoints,
    options: ChatServerOptions = {},
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes ?? 64 * 1024, perMessageDeflate: false });
    this.logger = options.logger ?? silent;
  }

  /** An upgrade request for the chat path (the caller matched the path; others are not ours to touch). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A client that drops the connection while its token is checked must not be an unhandled error.
    socket.on('error', () => undefined);
    void this.admit(req).then(
      ({ hub, claims, tokenTtlSeconds }) => {
        if (socket.destroyed) return;
        // Checked in the same turn as the session is added (the handshake completes synchronously).
        if (!hub.roomForPage(claims.bindingId)) {
          const reason = `this chat is open in ${hub.options.maxPagesPerBinding} pages already; close one`;
          this.wss.handleUpgrade(req, socket, head, (ws) => ws.close(CLOSE.tooManyPages, reason));
          return;
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws, hub, claims, tokenTtlSeconds));
      },
      (error: unknown) => refuse(socket, error instanceof RoomwireError ? error : new RoomwireError('internal', 'the chat is unavailable')),
    );
  }

  private async admit(req: IncomingMessage) {
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const channel = query.get('channel');
    const token = query.get('token');
    if (!channel) throw new RoomwireError('invalid_input', 'is required', 'channel');
    if (!token) throw new RoomwireError('unauthorized', 'is required', 'token');
    const endpoint = this.endpoints(channel);
    if (!endpoint) throw new RoomwireError('not_found', `no web chat channel ${JSON.stringify(channel)} is deployed`, 'channel');
    if (!originAllowed(endpoint, req.headers.origin, req.headers.host)) throw new RoomwireError('forbidden', 'this page may not open the chat', 'origin');
    const hub = (await endpoint.engine()).chatHub;
    const claims = await hub.admit(token);
    // A token opens its own binding only, through the channel it was issued for.
    if (claims.channelId !== channel) throw new RoomwireError('forbidden', 'the token was issued for another channel', 'token');
    return { hub, claims, tokenTtlSeconds: endpoint.settings.tokenTtlSeconds };
  }

  private serve(ws: WebSocket, hub: ChatHub, claims: Parameters<ChatHub['connect']>[1], tokenTtlSeconds: number | undefined): void {
    const socket: ChatSocket = {
      send: (data, done) => ws.send(data, done),
      get bufferedAmount() {
        return ws.bufferedAmount;
      },
      close: (code, reason) => ws.close(code, reason),
      terminate: () => ws.terminate(),
    };
    const session = hub.connect(socket, claims, tokenTtlSeconds ? { tokenTtlSeconds } : {});
    ws.on('message', (data, isBinary) => {
      if (isBinary) session.send(errorFrame(new RoomwireError('invalid_input', 'frames are JSON text', 'frame')));
      else session.receive(data.toString());
    });
    ws.on('close', () => session.ended());
    // Protocol violations (an oversized frame, bad masking) close the socket; the session ends with it.
    ws.on('error', (error) => this.logger.warn(`web chat socket: ${error.message}`));
  }

  /** Drops every page (they reconnect and resume) and stops accepting. */
  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }
}

function refuse(socket: Duplex, error: RoomwireError): void {
  if (socket.destroyed) return;
  const status = error.httpStatus;
  const body = JSON.stringify(error.toJSON());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
