// The engine node's API surfaces: the REST API (with its OpenAPI document) and the MCP server,
// sharing one gateway (tokens, scopes, rate limits). Tokens come from the node's credentials: the
// list `apiTokens` ({token, scope, binding?, ratePerMinute?} as JSON) and the older single
// `apiToken`, which may write and audit and, as before tokens had scopes, has no rate limit.
import { checkTokenNames, createMcpHandler, createRestHandler, parseApiTokens, type ApiTokenConfig, type Engine, type McpHandler, type RestHandler } from '@roomwire/runtime';

export interface ApiCredentials {
  apiToken?: string;
  apiTokens?: string;
}

export interface ApiSurfaces {
  api: RestHandler;
  mcp: McpHandler;
}

/** The configured tokens; a malformed list (or two tokens of one name) throws an error naming the entry and field. */
export function configuredTokens(credentials: ApiCredentials): ApiTokenConfig[] {
  const tokens = parseApiTokens(credentials.apiTokens || undefined);
  if (credentials.apiToken) tokens.push({ token: credentials.apiToken, scope: ['write', 'audit'], name: 'apiToken', ratePerMinute: Infinity });
  // Here, where the node reports a bad list, rather than when the first request builds the API.
  checkTokenNames(tokens);
  return tokens;
}

export function apiSurfaces(engine: Engine, tokens: ApiTokenConfig[], log: { error: (e: unknown) => void; debug: (m: string) => void }): ApiSurfaces {
  // From dist/nodes/lib/, where this runs, to the package root.
  const version = (require('../../../package.json') as { version: string }).version;
  const api = createRestHandler(engine, { tokens, version, onError: log.error, onDebug: log.debug });
  const mcp = createMcpHandler(api.gateway, { version, onError: log.error });
  return { api, mcp };
}
