// A redeploy of the engine node closes its engine: the inbox's open live streams heard that engine,
// so they end with it (decisions.md, "the agent inbox re-reads when its stream is back"); left
// open, they announced nothing more and the agent's inbox froze until a reload.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import type { NodeAPI } from 'node-red';
import { afterEach, describe, expect, it } from 'vitest';
import { FlowProvider, type Binding, type Engine } from '@roomwire/runtime';
import { claimDatabase } from '../../nodes/lib/engine-registry';
import { SharedEngine } from '../../nodes/lib/shared-engine';
import { startAgentInbox } from '../../nodes/lib/inbox';
import { agentCredentials, hashAgentPassword } from '../../nodes/lib/inbox/accounts';
import { signIn } from '../support/inbox-server';
import { cleanup, tempDir, until } from '../delivery/support/harness';

const PASSWORD = 'ana-has-a-long-password';
const ANA = agentCredentials([{ user: 'ana', hash: hashAgentPassword(PASSWORD) }]);
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await Promise.resolve(close()).catch(() => undefined);
  await cleanup();
});

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** What the `roomwire-engine` node does on deploy: claim the file, share the engine, serve the inbox. */
function deployEngineNode(RED: NodeAPI, databasePath: string): { shared: SharedEngine; close: () => Promise<void> } {
  const lease = claimDatabase({ databasePath, logger }, 'engine-node');
  const shared = new SharedEngine({ lease, databasePath, logger, translate: (key: string) => key, onOpen: () => undefined });
  const release = startAgentInbox(RED, { owner: 'engine-node', prefix: '/roomwire', credentials: ANA, shared, warn: () => undefined, onError: () => undefined });
  return {
    shared,
    async close() {
      release();
      await shared.close();
    },
  };
}

describe('agent inbox live stream across a redeploy', () => {
  it('an open stream ends when its engine node stops, so the page reconnects to the new engine and reads again', async () => {
    const app = express();
    const RED = { httpNode: app } as unknown as NodeAPI;
    const server: Server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    server.unref();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/roomwire/inbox`;
    const databasePath = join(tempDir(), 'roomwire.sqlite');

    let deployed = deployEngineNode(RED, databasePath);
    const first: Engine = await deployed.shared.ready();
    await first.registerChannel({ id: 'chat', type: 'webchat', provider: new FlowProvider() });
    const { bindings } = await first.call<{ bindings: Binding[] }>('createRoom', { id: 'r1', bindings: [{ channelId: 'chat', address: 'visitor-1', displayName: 'Carla' }] });
    const customer = bindings[0]!.id;
    const say = (engine: Engine, text: string) => engine.call<{ event: { index: number } }>('sendEvent', { roomId: 'r1', bindingId: customer, content: { type: 'text', text } });

    const ana = await signIn({ url }, 'ana', PASSWORD);
    expect(ana.status).toBe(200);
    const abort = new AbortController();
    closers.push(() => abort.abort());
    const res = await fetch(`${url}/api/events`, { headers: { cookie: ana.cookie }, signal: abort.signal });
    expect(res.status).toBe(200);
    let received = '';
    let ended = false;
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) received += decoder.decode(chunk.value, { stream: true });
    })()
      .catch(() => undefined)
      .finally(() => (ended = true));

    const hello = (await say(first, 'hello?')).event;
    await until(() => received.includes(`"roomId":"r1","index":${hello.index}}`), 'the first message announced live');

    // The user changes something on the engine node and deploys: Node-RED closes it and starts it again.
    expect(ended).toBe(false);
    await deployed.close();
    await until(() => ended, 'the open stream to end with its engine');
    deployed = deployEngineNode(RED, databasePath);
    closers.push(() => deployed.close());
    const second = await deployed.shared.ready();
    await second.registerChannel({ id: 'chat', type: 'webchat', provider: new FlowProvider() });
    // The page's reconnected stream hears the new engine.
    const again = await fetch(`${url}/api/events`, { headers: { cookie: ana.cookie }, signal: abort.signal });
    let againText = '';
    const againReader = again.body!.getReader();
    void (async () => {
      for (let chunk = await againReader.read(); !chunk.done; chunk = await againReader.read()) againText += decoder.decode(chunk.value);
    })().catch(() => undefined);
    const later = (await say(second, 'anyone?')).event;
    await until(() => againText.includes(`"index":${later.index}}`), 'the reconnected stream hearing the later message');
  }, 30_000);
});
