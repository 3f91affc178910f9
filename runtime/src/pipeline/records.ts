// Records the pipeline and the delivery worker both make, kept apart from either so neither
// imports the other.
import type { EngineParts } from '../engine-parts';
import { newId } from '../ids';
import type { JsonObject, SideEffect } from '../model';

export function sideEffect(
  roomId: string,
  eventId: string | null,
  kind: SideEffect['kind'],
  data: JsonObject,
  producedBy: string,
  createdAt: string,
): SideEffect {
  return { id: newId('se'), roomId, eventId, kind, data, producedBy, createdAt };
}

export function reportHookError(parts: Pick<EngineParts, 'logger'>): (hook: string, error: unknown) => void {
  return (hook, error) => parts.logger.warn(`hook ${hook} failed: ${error instanceof Error ? error.message : String(error)}`);
}
