// The unauthenticated "start a chat" endpoint: `POST …/roomwire/chat/start` with
// `{"channel": "<channel id>", "name": "<optional>"}`. Rate-limited per client address (429 with
// Retry-After), CORS for the origins the channel allows, JSON errors naming the field.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RoomwireError } from '../errors';
import { readBody, sendJson } from '../http/handlers';
import { originAllowed, type ChatEndpoints } from './endpoint';
import { clientAddress } from '../http/client-address';
import { startChat } from './start';

const MAX_START_BODY = 4 * 1024;

export interface ChatStartHandlerOptions {
  onError?: (error: unknown) => void;
}

type Request = IncomingMessage & { body?: unknown };

export function createChatStartHandler(endpoints: ChatEndpoints, options: ChatStartHandlerOptions = {}) {
  return async (req: Request, res: ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    try {
      const body = await readStartBody(req);
      const channel = body.channel;
      if (typeof channel !== 'string' || channel.length === 0) throw new RoomwireError('invalid_input', 'must name a web chat channel', 'channel');
      const endpoint = endpoints(channel);
      if (!endpoint) throw new RoomwireError('not_found', `no web chat channel ${JSON.stringify(channel)} is deployed`, 'channel');
      if (!originAllowed(endpoint, origin, req.headers.host)) throw new RoomwireError('forbidden', `pages of ${origin} may not start chats on this channel`, 'origin');
      if (origin) allowOrigin(res, origin);
      if (body.name !== undefined && (typeof body.name !== 'string' || body.name.length > 64)) throw new RoomwireError('invalid_input', 'must be a string of at most 64 characters', 'name');
      const wait = endpoint.startLimiter.hit(clientAddress(req));
      if (wait > 0) {
        res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
        sendJson(res, 429, { error: { code: 'rate_limited', message: 'too many chats started from this address; try again later' } });
        return;
      }
      const started = await startChat(await endpoint.engine(), endpoint.settings, { name: body.name as string | undefined });
      sendJson(res, 200, started);
    } catch (error) {
      if (error instanceof RoomwireError) {
        sendJson(res, error.httpStatus, error.toJSON());
        return;
      }
      options.onError?.(error);
      sendJson(res, 500, { error: { code: 'internal', message: 'the chat could not be started' } });
    }
  };
}

/** Preflight of a cross-origin start (the widget on another site). */
export function answerPreflight(endpoints: ChatEndpoints) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const origin = req.headers.origin;
    const channel = new URL(req.url ?? '/', 'http://x').searchParams.get('channel');
    const endpoint = channel ? endpoints(channel) : undefined;
    // Without a channel in the URL the preflight cannot know the channel's origins: allow, and let the POST decide.
    if (origin && (!endpoint || originAllowed(endpoint, origin, req.headers.host))) {
      allowOrigin(res, origin);
      res.setHeader('access-control-allow-methods', 'POST');
      res.setHeader('access-control-allow-headers', 'content-type');
      res.setHeader('access-control-max-age', '600');
    }
    res.statusCode = 204;
    res.end();
  };
}

function allowOrigin(res: ServerResponse, origin: string): void {
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
}

async function readStartBody(req: Request): Promise<Record<string, unknown>> {
  // Node-RED's editor app may have parsed a JSON body already (its parsers run first).
  let parsed: unknown;
  if (req.readableEnded) {
    parsed = req.body ?? {};
  } else {
    const raw = await readBody(req, MAX_START_BODY);
    try {
      parsed = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch {
      throw new RoomwireError('invalid_input', 'is not JSON', 'body');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new RoomwireError('invalid_input', 'must be a JSON object', 'body');
  return parsed as Record<string, unknown>;
}
