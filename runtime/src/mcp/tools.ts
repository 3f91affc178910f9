// MCP tools generated from the operations table: one tool per operation, named in snake_case
// (`sendMessage` → `send_message`), with the operation's JSON Schema input, its output schema,
// its description, and read-only / destructive annotations.
import { listOperations, type Operation } from '../operations';

export function toolName(operationName: string): string {
  return operationName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export interface ToolDescription {
  name: string;
  title: string;
  description: string;
  inputSchema: { type: 'object'; [key: string]: unknown };
  outputSchema?: { type: 'object'; [key: string]: unknown };
  annotations: { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean };
}

export function describeTool(op: Operation<unknown, unknown>): ToolDescription {
  return {
    name: toolName(op.name),
    title: op.name,
    description: op.description,
    inputSchema: op.input as ToolDescription['inputSchema'],
    ...(op.api ? { outputSchema: op.api.output as ToolDescription['outputSchema'] } : {}),
    annotations: { readOnlyHint: !op.mutates, destructiveHint: op.api?.destructive === true, idempotentHint: !op.mutates, openWorldHint: false },
  };
}

export function toolTable(): Map<string, Operation<unknown, unknown>> {
  return new Map(listOperations().map((op) => [toolName(op.name), op]));
}
