// The room list's filters and order, said once for every store (both write `?` placeholders).
import type { RoomQuery } from './store';

export function roomListQuery(query: RoomQuery): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.states && query.states.length > 0) {
    where.push(`state IN (${query.states.map(() => '?').join(', ')})`);
    params.push(...query.states);
  }
  if (query.tenantId !== undefined) {
    where.push('tenant_id = ?');
    params.push(query.tenantId);
  }
  if (query.updatedBefore !== undefined) {
    where.push('updated_at < ?');
    params.push(query.updatedBefore);
  }
  params.push(query.limit ?? 100);
  return { sql: `SELECT data FROM rooms ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC LIMIT ?`, params };
}
