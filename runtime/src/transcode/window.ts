import type { Capabilities } from '../capabilities';
import type { TranscodeContext } from './types';

/** On a channel with a session window, whether it is closed now (unknown counts as closed). */
export function sessionWindowClosed(capabilities: Capabilities, context: TranscodeContext): boolean {
  if (capabilities.sessionWindow === null) return false;
  const openUntil = context.sessionWindowOpenUntil;
  return openUntil === undefined || openUntil === null || context.now >= openUntil;
}
