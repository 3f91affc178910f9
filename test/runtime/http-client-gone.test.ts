// A client that closes the connection in the middle of its body (a provider timing out, a user
// cancelling) is a normal event: the HTTP handlers report it at debug level, never as an error,
// while a real failure behind the same route still reaches onError.
import { afterEach, describe, expect, it } from 'vitest';
import { createOperationsHandler, createWebhookHandler, RoomwireError, type Provider } from '../../runtime/src';
import { cleanupAll, openTestEngine, until } from './support/engine';
import { leaveMidBody } from '../support/hostile-requests';
import { request, serveHandlers } from './support/http';

afterEach(cleanupAll);

async function serve(buggyProvider = false) {
  const { engine } = await openTestEngine();
  if (buggyProvider) {
    const provider: Provider = {
      name: 'buggy',
      send: async () => ({ status: 'sent' }),
      parseInbound: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'from')");
      },
    };
    await engine.registerChannel({ id: 'buggy', type: 'webhook', provider });
  }
  const errors: unknown[] = [];
  const debug: string[] = [];
  const options = { apiToken: 'token', onError: (e: unknown) => errors.push(e), onDebug: (m: string) => debug.push(m) };
  const server = await serveHandlers({ webhook: createWebhookHandler(engine, options), operations: createOperationsHandler(engine, options) });
  return { server, errors, debug };
}

describe('HTTP handlers: a client that leaves mid-body', () => {
  it('is logged at debug level on the webhook and REST routes, never as an error', async () => {
    const { server, errors, debug } = await serve();
    try {
      await leaveMidBody(`${server.url}/webhook/sms`);
      await until(() => debug.length === 1, 'the webhook route to notice');
      await leaveMidBody(`${server.url}/operations/createRoom`, { authorization: 'Bearer token' });
      await until(() => debug.length === 2, 'the REST route to notice');
      expect(debug).toEqual([expect.stringMatching(/closed the connection/), expect.stringMatching(/closed the connection/)]);
      expect(errors).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('leaves a real failure on the same route to onError', async () => {
    const { server, errors, debug } = await serve(true);
    try {
      const answer = await request(`${server.url}/webhook/buggy`, { body: '{"from":"alice","text":"hi"}', headers: { 'content-type': 'application/json' } });
      expect(answer.status).toBe(500);
      expect(errors).toEqual([expect.any(TypeError)]);
      expect(errors[0]).not.toBeInstanceOf(RoomwireError);
      expect(debug).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
