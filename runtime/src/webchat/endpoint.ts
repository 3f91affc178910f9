// A deployed web chat channel as its HTTP surfaces see it: which engine, the start settings,
// the page origins allowed to use it, and the start endpoint's rate limit.
import type { Engine } from '../engine';
import type { RateLimiter } from './rate-limit';
import type { ChatStartSettings } from './start';

export interface ChatEndpoint {
  engine(): Promise<Engine>;
  settings: ChatStartSettings;
  /** Origins of pages that may embed the chat; `*` allows any. An empty list allows same-origin pages only. */
  origins: string[];
  /** Starts per client address. */
  startLimiter: RateLimiter;
}

export type ChatEndpoints = (channelId: string) => ChatEndpoint | undefined;

/** Whether a request from `origin` (absent for non-browser clients and same-origin GETs) may use the endpoint. */
export function originAllowed(endpoint: ChatEndpoint, origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true;
  if (endpoint.origins.includes('*') || endpoint.origins.includes(origin)) return true;
  try {
    return new URL(origin).host === host; // the page served by this server
  } catch {
    return false;
  }
}
