// Who is asking, for limits counted per client. Behind a reverse proxy every request comes from
// the proxy's address; Express's `req.ip` follows the app's `trust proxy` setting (in Node-RED:
// `httpServerOptions: { 'trust proxy': … }` in settings.js) and names the client the proxy
// forwarded for. Without Express, or without that setting, it is the socket's peer.
import type { IncomingMessage } from 'node:http';

export function clientAddress(req: IncomingMessage): string {
  return (req as IncomingMessage & { ip?: string }).ip ?? req.socket.remoteAddress ?? 'unknown';
}
