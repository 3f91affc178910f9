// Twilio message statuses and error codes in Roomwire's terms (DESIGN.md section 8). Statuses
// before the hand-over to the carrier say nothing the delivery does not already record; statuses
// Twilio adds later are ignored rather than guessed at. The engine keeps status moving forward
// only, so callbacks may arrive in any order.
import type { DeliveryError, DeliveryStatus } from '../../model';

/** Twilio error 63016: free-form WhatsApp message outside the 24-hour session window. */
export const TWILIO_OUTSIDE_WINDOW = '63016';

const STATUSES: Record<string, DeliveryStatus | null> = {
  // Twilio holds the message: the delivery already counts as handed over (`sent`) once accepted.
  queued: null,
  accepted: null,
  scheduled: null,
  // A status callback for an inbound message says nothing about a delivery.
  receiving: null,
  received: null,
  sending: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
  undelivered: 'undelivered',
  // A scheduled message cancelled before it went out will never arrive.
  canceled: 'failed',
};

export interface MappedStatus {
  status: DeliveryStatus;
  error?: DeliveryError;
}

/** Roomwire's status for a Twilio `MessageStatus` (with its `ErrorCode`), or null to ignore it. */
export function mapTwilioStatus(messageStatus: string, errorCode?: string, errorMessage?: string): MappedStatus | null {
  const status = Object.hasOwn(STATUSES, messageStatus) ? STATUSES[messageStatus] : null;
  if (!status) return null;
  if (status !== 'failed' && status !== 'undelivered') return { status };
  return { status, error: twilioError(errorCode, errorMessage, messageStatus) };
}

/**
 * A Twilio error code as a delivery error: 63016 is `outside_window` (the engine's fallback knows
 * it); any other code is `twilio_<code>` with a link to Twilio's explanation.
 */
export function twilioError(errorCode: string | number | undefined, message: string | undefined, status: string): DeliveryError {
  const code = errorCode === undefined || errorCode === null || errorCode === '' ? null : String(errorCode);
  const known = code === TWILIO_OUTSIDE_WINDOW ? 'WhatsApp free-form message outside the 24-hour session window' : undefined;
  const detail = message || known ? `: ${message || known}` : '';
  if (code === null) return { code: `twilio_${status}`, reason: `Twilio reported the message ${status}${detail}` };
  const reason = `Twilio error ${code}${detail} (https://www.twilio.com/docs/api/errors/${encodeURIComponent(code)})`;
  return { code: code === TWILIO_OUTSIDE_WINDOW ? 'outside_window' : `twilio_${code}`, reason };
}
