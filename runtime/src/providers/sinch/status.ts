// Sinch delivery report statuses and reason codes in Roomwire's terms (DESIGN.md section 8).
// QUEUED_ON_CHANNEL confirms the hand-over the accepted send already recorded (`sent`).
// SWITCHING_CHANNEL means "failed on this channel, Sinch is trying the next one of the
// channel_priority_order": nothing final has happened, so the delivery stays `sent` and neither
// Roomwire's fallback nor a failure fires; the report that follows (DELIVERED, READ or FAILED,
// possibly on another channel) decides (docs/decisions.md, "Sinch"). The engine keeps statuses
// moving forward only, so reports may arrive in any order.
import type { DeliveryError, DeliveryStatus } from '../../model';

/** Sinch's reason code for free-form WhatsApp outside the 24-hour session window. */
export const SINCH_OUTSIDE_WINDOW = 'OUTSIDE_ALLOWED_SENDING_WINDOW';

const STATUSES: Record<string, DeliveryStatus | null> = {
  QUEUED: null,
  QUEUED_ON_CHANNEL: 'sent',
  DELIVERED: 'delivered',
  READ: 'read',
  FAILED: 'failed',
  SWITCHING_CHANNEL: null,
};

export interface MappedSinchStatus {
  status: DeliveryStatus;
  error?: DeliveryError;
}

export interface SinchReason {
  code?: unknown;
  description?: unknown;
  sub_code?: unknown;
}

/** Roomwire's status for a delivery report's `status` (with its `reason`), or null to ignore it. */
export function mapSinchStatus(status: string, reason: SinchReason | undefined): MappedSinchStatus | null {
  const mapped = Object.hasOwn(STATUSES, status) ? STATUSES[status] : null;
  if (!mapped) return null;
  if (mapped !== 'failed') return { status: mapped };
  const code = typeof reason?.code === 'string' && reason.code !== '' ? reason.code : 'UNKNOWN';
  return { status: mapped, error: sinchError(code, reason) };
}

/** A Sinch reason code as a delivery error: outside_window for the WhatsApp window, else `sinch_<CODE>`. */
export function sinchError(code: string, reason: SinchReason | undefined): DeliveryError {
  const safe = code.replace(/[^A-Za-z0-9_]/g, '').slice(0, 64) || 'UNKNOWN';
  const description = typeof reason?.description === 'string' && reason.description !== '' ? `: ${reason.description.slice(0, 500)}` : '';
  const subCode = typeof reason?.sub_code === 'string' && reason.sub_code !== '' && reason.sub_code !== 'UNSPECIFIED_SUB_CODE' ? ` (${reason.sub_code.slice(0, 64)})` : '';
  return {
    code: safe === SINCH_OUTSIDE_WINDOW ? 'outside_window' : `sinch_${safe}`,
    reason: `Sinch reported ${safe}${subCode}${description}`,
  };
}
