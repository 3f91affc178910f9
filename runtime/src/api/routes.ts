// The REST routes generated from the operations table: path templates (`/rooms/{roomId}/events`)
// matched segment by segment, literal segments before parameters (`/identities/lookup` beats
// `/identities/{identityId}`), and the input built from path, query string and JSON body.
import { RoomwireError, invalid } from '../errors';
import type { HttpMethod, Operation } from '../operations';
import { pathSegments } from '../http/path-segments';
import { listOperations } from '../operations';

export interface Route {
  method: HttpMethod;
  template: string;
  segments: string[];
  operation: Operation<unknown, unknown>;
}

export interface Match {
  route: Route;
  params: Record<string, string>;
}

export function buildRoutes(operations: Operation<unknown, unknown>[] = listOperations()): Route[] {
  const routes: Route[] = [];
  for (const operation of operations) {
    if (!operation.api) continue;
    const { method, path } = operation.api.http;
    routes.push({ method, template: path, segments: path.split('/').filter(Boolean), operation });
  }
  return routes;
}

/** Matches a path: the parameters, or null. Literal segments score higher than parameters. */
function matchSegments(route: Route, parts: string[]): { params: Record<string, string>; score: number } | null {
  if (route.segments.length !== parts.length) return null;
  const params: Record<string, string> = {};
  let score = 0;
  for (let i = 0; i < parts.length; i++) {
    const segment = route.segments[i]!;
    const part = parts[i]!;
    if (segment.startsWith('{') && segment.endsWith('}')) params[segment.slice(1, -1)] = part;
    else if (segment === part) score += 1 << (parts.length - i);
    else return null;
  }
  return { params, score };
}

/** The route for a method and path; 404 when no template matches, 405 (with the allowed methods) when only the method is wrong. */
export function matchRoute(routes: Route[], method: string, path: string): Match {
  const parts = pathSegments(path);
  const candidates = routes
    .map((route) => ({ route, match: matchSegments(route, parts) }))
    .filter((c): c is { route: Route; match: { params: Record<string, string>; score: number } } => c.match !== null);
  if (candidates.length === 0) throw new RoomwireError('not_found', `no resource at ${JSON.stringify(path)}`, 'path');
  const best = Math.max(...candidates.map((c) => c.match.score));
  const resource = candidates.filter((c) => c.match.score === best);
  const chosen = resource.find((c) => c.route.method === method.toUpperCase());
  if (!chosen) {
    const allow = [...new Set(resource.map((c) => c.route.method))].sort();
    throw Object.assign(new RoomwireError('method_not_allowed', `${method} is not allowed here; use ${allow.join(', ')}`, 'method'), { allow });
  }
  return { route: chosen.route, params: chosen.match.params };
}

/** Query parameters typed by the operation's input schema (a query string only carries text). */
export function queryInput(operation: Operation<unknown, unknown>, query: URLSearchParams): Record<string, unknown> {
  const properties = (operation.input.properties ?? {}) as Record<string, { type?: unknown }>;
  const input: Record<string, unknown> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
    const type = properties[key]?.type;
    if (type === 'array') input[key] = values.flatMap((v) => v.split(',')).filter((v) => v !== '');
    else if (values.length > 1) throw invalid(key, 'is given more than once');
    else input[key] = typed(type, values[0]!);
  }
  return input;
}

function typed(type: unknown, value: string): unknown {
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value; // the schema names the field if this is not what it wants
}

/** Path parameters win over nothing: a body naming the same field differently is refused. */
export function mergeInput(params: Record<string, string>, rest: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(params)) {
    if (key in rest && rest[key] !== value) throw invalid(key, `differs from the ${JSON.stringify(value)} in the path`);
  }
  return { ...rest, ...params };
}
