// Records unhandled promise rejections while a test file runs: a fuzz or fault test passes only
// if nothing it provoked was left to reject unobserved.
import { afterAll, beforeAll } from 'vitest';

/** Installs the recorder for this file; the returned function lists what was recorded (stacks). */
export function recordUnhandledRejections(): () => string[] {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
  });
  return () => unhandled.map((e) => String((e as Error)?.stack ?? e));
}
