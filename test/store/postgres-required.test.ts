// Tests that need PostgreSQL (test/support/postgres.ts): with CI=true a server that does not answer
// fails the run, so CI never passes by skipping them; elsewhere they skip, saying in one line how
// to enable them; and a server that answers runs them.
import { createServer } from 'node:net';
import { afterEach, expect, it, vi } from 'vitest';
import { POSTGRES_URL } from '../support/postgres';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function availability(url: string, ci: string): Promise<boolean> {
  vi.stubEnv('ROOMWIRE_TEST_POSTGRES_URL', url);
  vi.stubEnv('CI', ci);
  vi.resetModules();
  const { postgresAvailable } = await import('../support/postgres');
  return postgresAvailable();
}

it('CI=true makes the PostgreSQL tests mandatory; elsewhere a missing server skips them with one line saying how to enable them', async () => {
  const missing = `postgres://127.0.0.1:${await closedPort()}/test`;
  await expect(availability(missing, 'true')).rejects.toThrow(/CI=true requires the PostgreSQL tests to run/);

  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  expect(await availability(missing, '')).toBe(false);
  expect(log).toHaveBeenCalledTimes(1);
  expect(String(log.mock.calls[0]![0])).toContain('ROOMWIRE_TEST_POSTGRES_URL');

  // A server that answers: they run, with CI=true as without.
  if (await availability(POSTGRES_URL, '')) expect(await availability(POSTGRES_URL, 'true')).toBe(true);
});
