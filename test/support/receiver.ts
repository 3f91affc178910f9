// A stand-in for a provider's API or a customer's webhook: records every request exactly as it
// arrived (headers and raw bytes, which signatures are computed over) and answers as told.
import { once } from 'node:events';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { until } from './wait';

export interface ReceivedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** Lower-cased names, as Node parses them. */
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/** A status, a fixed reply, or a reply per request (`index` counts from 0), e.g. fail then succeed. */
export type Responder = number | Reply | ((request: ReceivedRequest, index: number) => Reply);

export interface Receiver {
  /** Base URL, with a trailing slash. */
  url: string;
  requests: ReceivedRequest[];
  respondWith(responder: Responder): void;
  /** Resolves once `count` requests have arrived in total. */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startReceiver(responder: Responder = 200): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let respond = responder;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      const index = requests.push(request) - 1;
      const reply = typeof respond === 'number' ? { status: respond } : typeof respond === 'function' ? respond(request, index) : respond;
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body ?? '');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    respondWith(next) {
      respond = next;
    },
    waitForRequests: (count, timeoutMs) =>
      until(() => requests.length >= count && requests, `${count} request(s) at the receiver`, timeoutMs),
    async close() {
      server.close();
      // Keep-alive connections from the runtime's HTTP client would hold close() open.
      server.closeAllConnections();
      await once(server, 'close');
    },
  };
}
