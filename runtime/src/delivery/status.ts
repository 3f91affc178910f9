// DESIGN.md section 8: delivery status only moves forward. `failed` and `undelivered` are final;
// otherwise a status may only be replaced by a later one in queued → sent → delivered → read.
import type { DeliveryStatus } from '../model';

const PROGRESS: Record<DeliveryStatus, number> = { queued: 0, sent: 1, delivered: 2, read: 3, failed: 2, undelivered: 2 };
const FINAL: ReadonlySet<DeliveryStatus> = new Set(['failed', 'undelivered', 'read']);

export function canAdvance(from: DeliveryStatus, to: DeliveryStatus): boolean {
  if (FINAL.has(from) || from === to) return false;
  if (to === 'failed' || to === 'undelivered') return from === 'queued' || from === 'sent';
  return PROGRESS[to] > PROGRESS[from];
}
