// HTTP entry points over plain Node request/response objects (so they mount on Node-RED's
// Express 4 apps, or on a bare `http` server in tests): provider webhooks, and what the REST API
// (api/rest.ts) shares with them. Bodies are size-limited and read raw (signatures cover
// the exact bytes); every error is a JSON body naming the field, never a 5xx for bad input.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../engine';
import { RoomwireError } from '../errors';

export interface HttpHandlerOptions {
  /** Largest accepted body; larger requests get 413 without being read further. */
  maxBodyBytes?: number;
  /** The public base URL in front of these routes, for providers whose signature covers the URL. */
  publicBaseUrl?: string;
  /** Unexpected failures (answered 500): worth an error line. */
  onError?: (error: unknown) => void;
  /** Normal events only a debug log wants: a client that left before its body arrived. */
  onDebug?: (message: string) => void;
}

type Handler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => Promise<void>;

/** The default body limit of the webhook and REST routes (and of the `http in` guard). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The client closed the connection before its whole body arrived (a provider timing out, a user
 * cancelling): there is nobody left to answer, and nothing went wrong here.
 */
export class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection before sending its whole body');
    this.name = 'ClientGoneError';
  }
}

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      reject(new RoomwireError('payload_too_large', `body larger than ${maxBytes} bytes`, 'body'));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new RoomwireError('payload_too_large', `body larger than ${maxBytes} bytes`, 'body'));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    // Node reports a client that left mid-body as an `Error: aborted` on the request.
    req.on('error', (error) => reject(req.complete ? error : new ClientGoneError()));
    req.on('close', () => reject(new ClientGoneError()));
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  if (res.headersSent) return;
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

function errorResponse(res: ServerResponse, error: unknown, options: HttpHandlerOptions): void {
  if (error instanceof ClientGoneError) {
    options.onDebug?.(error.message);
    return;
  }
  if (error instanceof RoomwireError) {
    sendJson(res, error.httpStatus, error.toJSON());
    return;
  }
  options.onError?.(error);
  sendJson(res, 500, { error: { code: 'internal', message: 'internal error' } });
}

function guarded(handler: Handler, options: HttpHandlerOptions): Handler {
  return async (req, res, params) => {
    try {
      await handler(req, res, params);
    } catch (error) {
      errorResponse(res, error, options);
    }
  };
}

/** POST {root}/webhook/:channelId — a provider's inbound messages and status callbacks. */
export function createWebhookHandler(engine: Engine, options: HttpHandlerOptions = {}): Handler {
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  return guarded(async (req, res, params) => {
    if (req.method !== 'POST') throw new RoomwireError('invalid_input', 'webhooks accept POST only', 'method');
    const rawBody = await readBody(req, maxBody);
    // Express apps mounted under a path (Node-RED's httpNodeRoot) strip it from req.url; provider
    // signatures that cover the URL (Twilio) need the path the provider called.
    const path = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
    // Node-RED may serve TLS itself (its `https` setting): the provider then signed an https URL.
    const scheme = (req.socket as { encrypted?: boolean } | null)?.encrypted === true ? 'https' : 'http';
    const url = `${options.publicBaseUrl ?? `${scheme}://${req.headers.host ?? 'localhost'}`}${path}`;
    const result = await engine.handleWebhook(params.channelId ?? '', {
      method: req.method,
      url,
      headers: req.headers,
      rawBody,
    });
    if (result.reply) sendText(res, result.status, result.reply.contentType, result.reply.body);
    else sendJson(res, result.status, result.body);
  }, options);
}
