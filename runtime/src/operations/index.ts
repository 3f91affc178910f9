// The operations table (DESIGN.md section 1): name, JSON Schema of the input, handler. It is the
// single source for every external surface: Node-RED nodes call these operations, and the REST API
// and the MCP server are generated from this table. Each group lives in its own file.
import { RoomwireError } from '../errors';
import { aiOperations } from './ai';
import { bindingOperations } from './bindings';
import { contentOperations } from './content';
import type { Operation } from './define';
import { deliveryOperations } from './deliveries';
import { eventOperations } from './events';
import { hookOperations } from './hooks';
import { identityOperations } from './identity';
import { inboxOperations } from './inbox';
import { roomOperations } from './rooms';
import { shortcutOperations } from './shortcuts';
import { sideEffectOperations } from './side-effects';
import { webchatOperations } from './webchat';

export type { Operation, OperationApi, HttpMethod } from './define';
export { aggregateDeliveries } from './deliveries';

export const operations: Operation<unknown, unknown>[] = [
  ...roomOperations,
  ...bindingOperations,
  ...eventOperations,
  ...hookOperations,
  ...identityOperations,
  ...sideEffectOperations,
  ...deliveryOperations,
  ...contentOperations,
  ...inboxOperations,
  ...webchatOperations,
  ...aiOperations,
  ...shortcutOperations,
];

export type OperationName = string;

const byName = new Map(operations.map((op) => [op.name, op]));
if (byName.size !== operations.length) throw new Error('two operations share a name');

export function findOperation(name: string): Operation<unknown, unknown> {
  const op = byName.get(name);
  if (!op) throw new RoomwireError('not_found', `unknown operation ${JSON.stringify(name)}`, 'operation');
  return op;
}

export function listOperations(): Operation<unknown, unknown>[] {
  return operations;
}
