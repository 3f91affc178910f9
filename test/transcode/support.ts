import type { TranscodeResult } from '../../runtime/src/transcode';

export const context = { now: Date.UTC(2025, 0, 1) };
/** For channels with a session window (WhatsApp, Messenger): open for another minute. */
export const openWindow = { ...context, sessionWindowOpenUntil: context.now + 60_000 };

export function ok(result: TranscodeResult): Extract<TranscodeResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.reason}`);
  return result;
}
