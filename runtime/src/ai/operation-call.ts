// The AI's tools and hand-over act through the operations table, validated like any caller's
// input, so they can do nothing a REST or MCP caller acting as that binding could not.
import type { OperationParts } from '../operations/define';
import { findOperation } from '../operations';

export function callOperation<T>(parts: OperationParts, name: string, input: unknown): Promise<T> {
  const operation = findOperation(name);
  return operation.handler(parts, operation.validate(input) as never) as Promise<T>;
}
