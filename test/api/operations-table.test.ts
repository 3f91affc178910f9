// DESIGN.md section 1: the operations table is the one source of every surface. This test walks
// it: each operation declares everything the REST API, the OpenAPI document and the MCP tools are
// generated from (and says exactly which field is missing when it does not), is reachable over
// REST, is listed as an MCP tool, and its schema errors name the same field on both surfaces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOperations, toolName, type Operation } from '../../runtime/src';
import { cleanupAll } from '../runtime/support/engine';
import { startApiServer, type ApiServer } from './support';

const operations = listOperations();
let server: ApiServer;

beforeAll(async () => {
  server = await startApiServer();
});

afterAll(async () => {
  await server?.close();
  await cleanupAll();
});

/** Every field an operation must declare, as `name: field` lines (empty when complete). */
function missingFields(op: Operation): string[] {
  const missing: string[] = [];
  const need = (ok: unknown, field: string) => {
    if (!ok) missing.push(`${op.name}: ${field}`);
  };
  need(op.description && op.description.length >= 20, 'description (a sentence for humans and models)');
  need(typeof op.mutates === 'boolean', 'mutates (readOnly = !mutates)');
  need(op.input && (op.input as { type?: string }).type === 'object', 'input (a JSON Schema object)');
  need(op.api, 'api (add it with withApi(...) in the operation group file)');
  if (!op.api) return missing;
  need(op.api.http?.method, 'api.http.method');
  need(op.api.http?.path?.startsWith('/'), 'api.http.path (a resource path such as /rooms/{roomId})');
  need(op.api.output && (op.api.output as { type?: string }).type === 'object', 'api.output (a JSON Schema object)');
  need(Array.isArray(op.api.errors), 'api.errors (the error codes it can answer with)');
  need(Array.isArray(op.api.examples) && op.api.examples.length > 0, 'api.examples (at least one)');
  need(!op.mutates || op.api.http?.method !== 'GET', 'api.http.method (a mutating operation is never GET)');
  const properties = (op.input.properties ?? {}) as Record<string, unknown>;
  for (const [, name] of op.api.http?.path?.matchAll(/\{([^}]+)\}/g) ?? []) need(name! in properties, `api.http.path parameter {${name}} (not an input field)`);
  return missing;
}

/** A path for the operation's route with its parameters filled in. */
function pathOf(op: Operation): string {
  return op.api!.http.path.replace(/\{([^}]+)\}/g, (_m, name: string) => `missing-${name}`);
}

describe('the operations table', () => {
  it('declares description, output schema, HTTP mapping, errors and examples for every operation', () => {
    expect(operations.flatMap(missingFields)).toEqual([]);
  });

  it('fails with the operation and field named when one is missing', () => {
    const bare = { ...operations[0]!, name: 'newOperation', api: undefined };
    expect(missingFields(bare)).toEqual(['newOperation: api (add it with withApi(...) in the operation group file)']);
    const noOutput = { ...operations[0]!, name: 'newOperation', api: { ...operations[0]!.api!, output: undefined as never } };
    expect(missingFields(noOutput)).toEqual(['newOperation: api.output (a JSON Schema object)']);
  });

  it('gives every operation its own route and examples its schema accepts', () => {
    const routes = operations.map((op) => `${op.api!.http.method} ${op.api!.http.path}`);
    expect(new Set(routes).size).toBe(routes.length);
    for (const op of operations) {
      for (const example of op.api!.examples) expect(() => op.validate(structuredClone(example.input)), `${op.name}: ${example.summary}`).not.toThrow();
    }
  });

  it('reaches every operation over REST and names the field of a schema error', async () => {
    for (const op of operations) {
      const { method } = op.api!.http;
      const query = method === 'GET' || method === 'DELETE';
      const answer = await server.rest(method, `${pathOf(op)}${query ? '?bogusField=1' : ''}`, query ? {} : { body: { bogusField: 1 } });
      expect([answer.status, answer.body.error.code], op.name).toEqual([400, 'invalid_input']);
      expect(answer.body.error.message, op.name).toContain(answer.body.error.field);
    }
  });

  it('lists every operation as an MCP tool with its schema, and the tool names the same field as REST', async () => {
    const client = await server.mcp('write-token-0123456789');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(operations.map((op) => toolName(op.name)).sort());
    for (const op of operations) {
      const tool = tools.find((t) => t.name === toolName(op.name))!;
      expect(tool.inputSchema, op.name).toEqual(op.input);
      expect(tool.description, op.name).toBe(op.description);
      expect(tool.annotations, op.name).toMatchObject({ readOnlyHint: !op.mutates, destructiveHint: op.api!.destructive === true });
      const { method } = op.api!.http;
      const pathFields = Object.fromEntries([...op.api!.http.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => [name!, `missing-${name}`]));
      const rest = await server.rest(method, `${pathOf(op)}${method === 'GET' || method === 'DELETE' ? '?bogusField=1' : ''}`, method === 'GET' || method === 'DELETE' ? {} : { body: { bogusField: 1 } });
      const result = await client.callTool({ name: tool.name, arguments: { ...pathFields, bogusField: 1 } });
      expect(result.isError, op.name).toBe(true);
      const error = JSON.parse((result.content as { text: string }[])[0]!.text).error;
      expect([error.code, error.field], op.name).toEqual([rest.body.error.code, rest.body.error.field]);
    }
  });
});
