// The part of a request's path below a mounted route, as the client sent it. Express decodes a
// route's `*` parameter; the REST and inbox routers decode each segment themselves, so given the
// decoded value they decoded twice: `%25E0` became a malformed `%E0` (a 500 on a public route)
// and an encoded `/` inside an id split the path.
import type { IncomingMessage } from 'node:http';

export function pathBelow(req: IncomingMessage & { params: Record<string, string> }, base: string): string {
  const pathname = (req.url ?? '/').split('?')[0]!;
  if (pathname.startsWith(`${base}/`)) return pathname.slice(base.length);
  // A base the client spelled with escapes: the decoded rest, encoded again segment by segment.
  return `/${(req.params[0] ?? '').split('/').map(encodeURIComponent).join('/')}`;
}
