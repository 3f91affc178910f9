// The one thing a chat session needs from a WebSocket, so the protocol is tested and reused
// without tying it to one library (webchat/ws-server.ts adapts the `ws` package).
export interface ChatSocket {
  /** `done` runs once the frame is handed to the operating system (or the socket failed). */
  send(data: string, done: (error?: Error) => void): void;
  /** Bytes queued in user space and not yet written: what a client that stops reading grows. */
  readonly bufferedAmount: number;
  /** A clean close (the client is told why). */
  close(code: number, reason: string): void;
  /** Drops the connection at once, releasing everything buffered for it. */
  terminate(): void;
}

/** Close codes the page understands (4000-4999 are for applications). */
export const CLOSE = {
  /** The server restarts or the channel was redeployed: reconnect and resume. */
  restart: 1012,
  /** Too slow reading: the buffered bound was exceeded; reconnect and resume. */
  tooSlow: 1013,
  /** No hello in time. */
  noHello: 4408,
  /** The token that opened the connection expired (the page did not refresh it): a new chat is needed. */
  expired: 4401,
  /** The binding left the room or its token stopped being valid: start again. */
  gone: 4403,
  /** The chat is open in as many pages as it may be: this page waits and tries again, the chat goes on. */
  tooManyPages: 4429,
} as const;
