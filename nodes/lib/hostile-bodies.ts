// A guard for Node-RED's `http in` routes (settings.js `httpNodeMiddleware`): bodies nested deeper
// than the engine accepts, or larger than it accepts, are answered with a JSON 4xx before any flow
// sees them. A body nested a few thousand levels deep is only kilobytes, parses fine, and then
// ends the process in whatever walks it recursively: Node-RED's deep clone of a message for a
// Catch node, a debug node, a serializer.
//
// `http in` parses the body after this middleware (body-parser), so the guard reads the raw bytes,
// checks them and puts them back on the request stream (`unshift`, made for a parser that has read
// ahead) for the parser to read as if nobody had. A body something read before (a route that skips
// body parsing, or the editor's parsers when both roots are the same) is checked where it lies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH, RoomwireError, jsonNestsDeeperThan, sendJson, valueNestsDeeperThan } from '@roomwire/runtime';

export interface HostileBodyOptions {
  /** Deepest nesting of objects and arrays let through (default: the engine's, 64). */
  maxDepth?: number;
  /** Largest body let through, in bytes, after decompression (default: the engine's, 1 MB). */
  maxBytes?: number;
}

/**
 * body-parser's `depth` for form keys (`a[b][c]=1`), which `http in` keeps: deeper keys make it
 * throw, and `http in` answers that with a bare 500 and a warning per request.
 */
const FORM_KEY_DEPTH = 32;

type Request = IncomingMessage & { body?: unknown; _body?: boolean };
type Middleware = (req: Request, res: ServerResponse, next: (error?: unknown) => void) => void;

/** What a body is, as far as nesting goes: JSON-like text, form fields, or bytes nobody nests. */
type BodyKind = 'text' | 'form' | 'opaque';

export function rejectHostileBodies(options: HostileBodyOptions = {}): Middleware {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  const tooLarge = () => new RoomwireError('payload_too_large', `larger than ${maxBytes} bytes`, 'body');
  const formDepth = Math.min(maxDepth, FORM_KEY_DEPTH);
  const tooDeep = (depth = maxDepth) => new RoomwireError('invalid_input', `nested deeper than ${depth} levels`, 'body');

  /** Why a body must not pass, or null. */
  const refusal = (body: Buffer, kind: BodyKind): RoomwireError | null => {
    if (body.length > maxBytes) return tooLarge();
    if (kind === 'text' && jsonNestsDeeperThan(body, maxDepth)) return tooDeep();
    if (kind === 'form' && formNestsDeeperThan(body, formDepth)) return tooDeep(formDepth);
    return null;
  };

  return (req, res, next) => {
    const refuse = (error: RoomwireError) => {
      sendJson(res, error.httpStatus, error.toJSON());
      // Whatever is left of the body is discarded as it arrives, and the connection stays usable.
      req.resume();
    };
    const kind = bodyKind(req.headers['content-type']);

    if (req._body) {
      // Read (and maybe parsed) before this middleware ran: check it where it lies.
      const body = req.body;
      const error =
        typeof body === 'string' || Buffer.isBuffer(body)
          ? refusal(Buffer.isBuffer(body) ? body : Buffer.from(body), encoding(req) === 'identity' ? kind : 'opaque')
          : valueNestsDeeperThan(body, maxDepth)
            ? tooDeep()
            : null;
      if (error) refuse(error);
      else next();
      return;
    }

    // Nothing to read, or nothing anyone nests (readableEnded: consumed by someone who kept nothing).
    if (!hasBody(req) || kind === 'opaque' || req.readableEnded) {
      next();
      return;
    }
    if (Number(req.headers['content-length']) > maxBytes) {
      refuse(tooLarge());
      return;
    }
    const contentEncoding = encoding(req);
    if (!DECODERS[contentEncoding]) {
      refuse(new RoomwireError('invalid_input', `${JSON.stringify(contentEncoding)} is not supported (gzip, deflate or none)`, 'content-encoding'));
      return;
    }

    readAhead(req, maxBytes, (outcome) => {
      if (outcome === 'gone') return; // the client left: nobody to answer
      if (outcome === 'too large') {
        refuse(tooLarge());
        return;
      }
      let decoded: Buffer;
      try {
        decoded = DECODERS[contentEncoding]!(outcome, maxBytes);
      } catch (error) {
        const code = (error as { code?: string }).code;
        refuse(code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge() : new RoomwireError('invalid_input', `is not valid ${contentEncoding} data`, 'body'));
        return;
      }
      const error = refusal(decoded, kind);
      if (error) {
        refuse(error);
        return;
      }
      if (outcome.length > 0) req.unshift(outcome);
      next();
    });
  };
}

const DECODERS: Record<string, ((body: Buffer, maxBytes: number) => Buffer) | undefined> = {
  identity: (body) => body,
  // maxOutputLength: a small compressed body must not inflate past the limit in memory.
  gzip: (body, maxBytes) => gunzipSync(body, { maxOutputLength: maxBytes + 1 }),
  deflate: (body, maxBytes) => inflateSync(body, { maxOutputLength: maxBytes + 1 }),
};

function encoding(req: Request): string {
  return String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase() || 'identity';
}

/** As `type-is` decides for body-parser: a length other than 0, or a chunked body. */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}

function bodyKind(contentType: string | undefined): BodyKind {
  const type = String(contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return 'form';
  // A body without a type, text, or JSON: a flow may parse any of them as JSON.
  if (type === '' || type.startsWith('text/') || /[/+]json$/.test(type)) return 'text';
  // Binary and multipart bodies are not parsed into nested values by Node-RED; their bytes would
  // count as brackets by chance.
  return 'opaque';
}

/** Form keys nest by brackets (`a[b][c]=1`), percent-encoded or not, as `qs` reads them. */
function formNestsDeeperThan(body: Buffer, maxDepth: number): boolean {
  for (const field of body.toString('latin1').split('&')) {
    const key = field.split('=', 1)[0]!.replace(/%5b/gi, '[');
    let depth = 0;
    for (let i = key.indexOf('['); i !== -1; i = key.indexOf('[', i + 1)) {
      if (++depth > maxDepth) return true;
    }
  }
  return false;
}

/**
 * Reads the whole body without letting the stream end, so that it can be put back: in paused mode,
 * 'end' is only emitted after a read() finds nothing left, on the next tick, and not if data was
 * unshifted meanwhile (Readable's endReadableNT checks for "one last unshift").
 */
function readAhead(req: Request, maxBytes: number, done: (outcome: Buffer | 'too large' | 'gone') => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (outcome: Buffer | 'too large' | 'gone') => {
    if (finished) return;
    finished = true;
    req.removeListener('readable', onReadable);
    req.removeListener('error', onGone);
    req.removeListener('close', onClose);
    done(outcome);
  };
  const onReadable = () => {
    for (let chunk: Buffer | null = req.read(); chunk !== null; chunk = req.read()) {
      size += chunk.length;
      if (size > maxBytes) {
        finish('too large');
        return;
      }
      chunks.push(chunk);
    }
    if (req.complete) finish(Buffer.concat(chunks));
  };
  const onGone = () => finish('gone');
  const onClose = () => {
    if (!req.complete) finish('gone');
  };
  req.on('readable', onReadable);
  req.on('error', onGone);
  req.on('close', onClose);
}
