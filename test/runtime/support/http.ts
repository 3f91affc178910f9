// A local HTTP endpoint standing in for a provider's API, a customer's webhook or a hook URL:
// records every request exactly as it arrived and answers as each test tells it to, including
// the faults a real network produces (a hang that outlives the client's timeout, a reset socket).
import { once } from 'node:events';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

/** A reply, or a network fault: `hang` never answers, `reset` destroys the socket. */
export type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hang' | 'reset';
export type Responder = (request: Received, index: number) => Answer | Promise<Answer>;

export interface LocalServer {
  url: string;
  requests: Received[];
  respond(responder: Responder): void;
  close(): Promise<void>;
}

export async function startLocalServer(responder: Responder = () => ({ status: 200 })): Promise<LocalServer> {
  const requests: Received[] = [];
  let respond = responder;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
      const index = requests.push(request) - 1;
      void Promise.resolve(respond(request, index)).then((answer) => {
        if (answer === 'hang') return;
        if (answer === 'reset') {
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body ?? '');
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    respond(next) {
      respond = next;
    },
    async close() {
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
    },
  };
}

type Route = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => Promise<void>;

/** A bare `http` server mounting the runtime's handlers: `/webhook/:channelId`, `/operations/:name?` and the REST API under `/api`. */
export async function serveHandlers(routes: { webhook: Route; operations: Route; api?: Route }): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    const webhook = /^\/webhook\/([^/]*)$/.exec(path);
    const operation = /^\/operations(?:\/([^/]*))?$/.exec(path);
    if (routes.api && path.startsWith('/api/')) void routes.api(req, res, { path: path.slice(4) });
    else if (webhook) void routes.webhook(req, res, { channelId: decodeURIComponent(webhook[1]!) });
    else if (operation) void routes.operations(req, res, operation[1] ? { name: decodeURIComponent(operation[1]) } : {});
    else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
    },
  };
}

/** One raw HTTP request (no client-side body limits or retries), answered with status and JSON body. */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean } = {},
): Promise<{ status: number; body: unknown; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...options.headers };
    // Without a length Node sends a GET body unframed, and the server would read it as a second request.
    if (options.body !== undefined && !options.chunked) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = http.request(url, { method: options.method ?? 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = undefined;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, text });
      });
      res.on('error', reject);
    });
    // The server may answer (413) and close before a large body is fully written.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    if (options.body !== undefined && options.chunked) {
      const body = Buffer.from(options.body);
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
      req.end();
    } else req.end(options.body);
  });
}
