import type { JsonObject } from '../model';

/**
 * A durable timer. Its id is derived from what it is for (`room:<id>:inactive`), so scheduling the
 * same thing again replaces the earlier due time instead of adding a second timer.
 */
export interface Timer {
  id: string;
  kind: string;
  roomId: string;
  /** Milliseconds since the epoch, on the engine's clock. */
  dueAt: number;
  payload: JsonObject;
}
