// The one polling helper: tests wait exactly as long as the system needs, up to a limit, instead
// of sleeping a fixed time. Polls quickly at first (in-process work settles in milliseconds) and
// backs off to 50 ms for work in other processes (a Node-RED runtime, a browser).
export async function until<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let interval = 2;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
    interval = Math.min(interval * 2, 50);
  }
}
