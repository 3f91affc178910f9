import type { Timer } from './types';

/** A timer's firing, checked by the store: it fires once even when several engines claim it. */
export function fired(timer: Timer): { id: string; dueAt: number } {
  return { id: timer.id, dueAt: timer.dueAt };
}
