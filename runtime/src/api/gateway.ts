// The one door of the REST API and the MCP server into the operations table: who may call what.
// A read token only reads; `audit: true` needs the audit scope; a token acting as a binding calls
// only the operations a participant has, in its own room, as itself (its room and binding are
// filled in when left out), so the binding's permissions, hooks and write gate decide the rest.
import type { Engine } from '../engine';
import { RoomwireError } from '../errors';
import type { Binding } from '../model';
import { findOperation, type Operation } from '../operations';
import { asSeenBy } from './participant-view';
import { RateLimiter } from './rate-limit';
import { TokenTable, type ApiTokenConfig, type Principal } from './tokens';

/** What a participant (a token acting as a binding) may do: read its room as itself and write as itself. */
export const PARTICIPANT_OPERATIONS: ReadonlySet<string> = new Set(['getRoom', 'getTimeline', 'sendEvent', 'sendMessage', 'markRead', 'getUnreadCount']);

function forbidden(message: string, field?: string): RoomwireError {
  return new RoomwireError('forbidden', message, field);
}

export class ApiGateway {
  readonly tokens: TokenTable;
  private readonly limiter: RateLimiter;

  constructor(
    readonly engine: Engine,
    tokens: ApiTokenConfig[],
    now: () => number = Date.now,
  ) {
    this.tokens = new TokenTable(tokens);
    this.limiter = new RateLimiter(now);
  }

  /** The caller of one request: 401 without a known token, 429 over its rate. */
  admit(authorization: string | undefined): Principal {
    const principal = this.tokens.authenticate(authorization);
    this.limiter.take(principal);
    return principal;
  }

  /** The scope check alone (before the body is read): a read token never reaches a write. */
  checkScope(principal: Principal, op: Operation<unknown, unknown>): void {
    if (op.mutates && !principal.scopes.has('write')) throw forbidden(`this token may not write (${op.name} changes data)`);
  }

  async call(principal: Principal, name: string, input: unknown): Promise<unknown> {
    const op = findOperation(name);
    this.checkScope(principal, op);
    const object = input && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : undefined;
    if (object?.audit === true && !principal.scopes.has('audit')) throw forbidden('reading blocked events needs a token with the audit scope', 'audit');
    if (!principal.bindingId) return this.engine.call(name, input);
    if (!object) throw forbidden(`a token acting as a binding may not call ${op.name}`);
    const reader = await this.participant(principal.bindingId);
    return asSeenBy(reader, name, await this.engine.call(name, this.asParticipant(reader, op, object)));
  }

  /** The binding a participant token acts as; refused once it is gone. */
  async participant(bindingId: string): Promise<Binding> {
    try {
      return await this.engine.call<Binding>('getBinding', { bindingId });
    } catch {
      throw forbidden(`the binding ${bindingId} this token acts as does not exist`);
    }
  }

  private asParticipant(binding: Binding, op: Operation<unknown, unknown>, input: Record<string, unknown>): Record<string, unknown> {
    if (!PARTICIPANT_OPERATIONS.has(op.name)) throw forbidden(`a token acting as binding ${binding.id} may not call ${op.name}`);
    if (input.roomId !== undefined && input.roomId !== binding.roomId) throw forbidden(`this token acts in room ${binding.roomId} only`, 'roomId');
    if (input.bindingId !== undefined && input.bindingId !== binding.id) throw forbidden(`this token acts as binding ${binding.id} only`, 'bindingId');
    if (input.audit === true) throw forbidden('a participant cannot read blocked events', 'audit');
    const properties = (op.input.properties ?? {}) as Record<string, unknown>;
    return {
      ...input,
      ...('roomId' in properties ? { roomId: binding.roomId } : {}),
      ...('bindingId' in properties ? { bindingId: binding.id } : {}),
    };
  }
}
