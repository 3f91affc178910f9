// What a chat session uses of its hub (kept apart so session and hub do not import each other).
import type { Engine } from '../engine';
import type { Logger } from '../engine-parts';
import type { Binding } from '../model';
import type { RateLimiter } from './rate-limit';
import type { ChatSession } from './session';
import type { ChatTokenClaims } from './tokens';

export type ChatClaims = ChatTokenClaims;

export interface ChatHubOptions {
  /** Bytes queued for one page before it counts as not reading and is disconnected (default 1 MiB). */
  maxBufferedBytes: number;
  /** How long history waits for a slow page to read before dropping it (default 30 s). */
  drainTimeoutMs: number;
  /** How long a new connection has to send its hello (default 10 s). */
  helloTimeoutMs: number;
  /**
   * Frames one chat binding may send per window, over all its pages together (default 100 per
   * 10 s); beyond them a page gets one `rate_limited` error and is ignored until the window ends.
   */
  maxFramesPerWindow: number;
  frameWindowMs: number;
  /** Pages of one chat binding connected at once (default 10); a further one is closed at once (4429). */
  maxPagesPerBinding: number;
  /** How long a delivery waits for a connected page to take a message before it counts as `sent` (default 5 s). */
  deliveryWaitMs: number;
}

export interface ChatHubContext {
  readonly engine: Engine;
  readonly logger: Logger;
  readonly options: ChatHubOptions;
  /** DESIGN.md section 14, a rate limit per sender: the frames of each binding, whichever page sent them. */
  readonly frames: RateLimiter;
  /** The room's bindings by id, cached until a binding event of the room. */
  bindings(roomId: string): Promise<ReadonlyMap<string, Binding>>;
  /** The same, when already read (the live path stays synchronous, so events keep their order). */
  cachedBindings(roomId: string): ReadonlyMap<string, Binding> | undefined;
  forgetBindings(roomId: string): void;
  remove(session: ChatSession): void;
}
