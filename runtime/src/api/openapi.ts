// The OpenAPI 3.1 document of the REST API, generated from the operations table: one path item
// per route, the input schema split into path, query and body parameters exactly as the router
// reads them (routes.ts), the output schema as the 200 answer, and the operation's errors.
import type { ErrorCode } from '../errors';
import type { Operation } from '../operations';
import type { Schema } from '../validation';
import { buildRoutes, type Route } from './routes';

const STATUS: Record<ErrorCode, string> = {
  invalid_input: '400',
  unauthorized: '401',
  forbidden: '403',
  not_found: '404',
  method_not_allowed: '405',
  conflict: '409',
  room_closed: '409',
  payload_too_large: '413',
  idempotency_mismatch: '422',
  rate_limited: '429',
  internal: '500',
};

const WHY: Record<string, string> = {
  '400': 'The input is invalid: `error.field` names the field.',
  '401': 'No token, or an unknown one.',
  '403': 'The token may not do this (scope, or the binding it acts as).',
  '404': 'A resource named in the request does not exist.',
  '409': 'Conflicts with the current state (a closed room, a state change not allowed, a request with this Idempotency-Key still running).',
  '413': 'The body is larger than the limit.',
  '422': 'This Idempotency-Key was used for a different request.',
  '429': 'Too many requests for this token; see Retry-After.',
};

const ALWAYS: ErrorCode[] = ['invalid_input', 'unauthorized', 'forbidden', 'rate_limited'];

function pathParams(template: string): string[] {
  return [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
}

function operationObject(route: Route): Record<string, unknown> {
  const op: Operation<unknown, unknown> = route.operation;
  const api = op.api!;
  const properties = (op.input.properties ?? {}) as Record<string, Schema>;
  const required = new Set((op.input.required ?? []) as string[]);
  const inPath = pathParams(route.template);
  const parameters: Record<string, unknown>[] = inPath.map((name) => ({ name, in: 'path', required: true, schema: properties[name] ?? { type: 'string' } }));
  const bodyProperties = Object.fromEntries(Object.entries(properties).filter(([name]) => !inPath.includes(name)));
  const bodyRequired = [...required].filter((name) => !inPath.includes(name));
  const queryString = route.method === 'GET' || route.method === 'DELETE';
  if (queryString) {
    for (const [name, schema] of Object.entries(bodyProperties)) parameters.push({ name, in: 'query', required: required.has(name), schema });
  }
  if (op.mutates) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Send the same key again to get the first answer again instead of a second write.',
      schema: { type: 'string', minLength: 1, maxLength: 256 },
    });
  }
  const errors = [...new Set([...ALWAYS, ...api.errors, ...(op.mutates ? (['idempotency_mismatch', 'conflict'] as ErrorCode[]) : [])])];
  const responses: Record<string, unknown> = {
    '200': { description: 'OK', content: { 'application/json': { schema: api.output } } },
  };
  for (const status of [...new Set(errors.map((code) => STATUS[code]))].sort()) {
    responses[status] = { description: WHY[status] ?? 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  const [summary] = op.description.split(/(?<=\.)\s/);
  return {
    operationId: op.name,
    summary,
    description: `${op.description}${op.mutates ? '' : '\n\nRead-only.'}${api.destructive ? '\n\nDestructive: it cannot be undone.' : ''}`,
    tags: [route.segments[0]!],
    parameters,
    ...(queryString
      ? {}
      : {
          requestBody: {
            required: bodyRequired.length > 0,
            content: {
              'application/json': {
                schema: { type: 'object', properties: bodyProperties, required: bodyRequired, additionalProperties: false },
                examples: Object.fromEntries(
                  api.examples.map((e, i) => [`example${i + 1}`, { summary: e.summary, value: Object.fromEntries(Object.entries(e.input).filter(([k]) => !inPath.includes(k))) }]),
                ),
              },
            },
          },
        }),
    responses,
  };
}

export function openApiDocument(serverUrl: string, version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of buildRoutes()) {
    (paths[route.template] ??= {})[route.method.toLowerCase()] = operationObject(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Roomwire API',
      version,
      description:
        'Rooms, participants (bindings), timelines, identities, hooks and side effects of a Roomwire engine. Generated from the same operations table as the Node-RED nodes and the MCP tools. Every call needs `Authorization: Bearer <token>`.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
              required: ['code', 'message'],
            },
          },
          required: ['error'],
        },
      },
    },
  };
}
