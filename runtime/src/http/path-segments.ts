// A request path's segments, each decoded once, for routers that match them (the REST API, the
// agent inbox). A malformed escape is the client's mistake: a 400 naming the path, not a 500.
import { invalid } from '../errors';

export function pathSegments(path: string): string[] {
  try {
    return path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw invalid('path', 'is not a well-formed URL path');
  }
}
