import { randomUUID } from 'node:crypto';

/** Prefixed ids (`evt_...`, `rm_...`) so a log line says what an id refers to. */
export function newId(prefix: 'rm' | 'bnd' | 'evt' | 'dlv' | 'se' | 'idn' | 'hk' | 'tmr'): string {
  return `${prefix}_${randomUUID().replace(/-/g, '')}`;
}

export function nowIso(clock: () => number = Date.now): string {
  return new Date(clock()).toISOString();
}
