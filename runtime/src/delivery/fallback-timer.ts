// The durable no-receipt timer a delivery gets when its binding's fallback policy asks for one
// (DESIGN.md section 8), written in the same commit as the delivery.
import type { Delivery, FallbackPolicy } from '../model';
import { durationMs } from '../timers/duration';
import type { Timer } from '../timers/types';

export const NO_RECEIPT = 'fallback-no-receipt';

/** The no-receipt timer for a new delivery, when its binding's policy asks for one. */
export function noReceiptTimer(delivery: Delivery, policy: FallbackPolicy | null | undefined, now: number): Timer | null {
  if (!policy || !policy.after || !policy.on.includes('no_receipt')) return null;
  return {
    id: `delivery:${delivery.id}:no_receipt`,
    kind: NO_RECEIPT,
    roomId: delivery.roomId,
    dueAt: now + durationMs(policy.after, 'fallback.after'),
    payload: { deliveryId: delivery.id },
  };
}

