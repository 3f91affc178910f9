// The agent inbox's live stream when the engine serving it resyncs: engines A and B on one
// PostgreSQL database, the inbox on B, a customer writing through A while B's change-feed listener
// is away and the log rows it missed are pruned. The stream names only rooms B heard about, so
// after the resync it says that any room may have changed (`event: resync`), and the rooms the
// page then reads show what B never heard.
import { afterEach, describe, expect, it } from 'vitest';
import { agentCredentials, hashAgentPassword } from '../../nodes/lib/inbox/accounts';
import { inboxOnAwayEngine, type AwayInbox } from '../support/inbox-away';
import { signIn } from '../support/inbox-server';
import { postgresAvailable } from '../support/postgres';
import { until } from '../support/wait';

const withPostgres = await postgresAvailable();
const PASSWORD = 'ana-has-a-long-password';
// Hashed once: bcrypt is slow on purpose.
const ANA = agentCredentials([{ user: 'ana', hash: hashAgentPassword(PASSWORD) }]);
let setup: AwayInbox | undefined;
afterEach(async () => {
  await setup?.close();
  setup = undefined;
});

/** The live stream of a signed-in agent, as text received so far; `stop` ends it. */
async function liveStream(url: string, cookie: string): Promise<{ text: () => string; stop: () => void }> {
  const abort = new AbortController();
  const res = await fetch(`${url}/api/events`, { headers: { cookie }, signal: abort.signal });
  expect(res.status).toBe(200);
  let received = '';
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  void (async () => {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) received += decoder.decode(chunk.value, { stream: true });
  })().catch(() => undefined);
  return { text: () => received, stop: () => abort.abort() };
}

describe.skipIf(!withPostgres)('the agent inbox live stream when its engine resyncs', () => {
  it('tells the page that any room may have changed (event resync) without waiting for a later message; the rooms read then show what the engine missed', async () => {
    setup = await inboxOnAwayEngine(ANA);
    const { inbox } = setup;
    const customerSays = await setup.customerRoom('r1', 'Carla');
    const ana = await signIn(inbox, 'ana', PASSWORD);
    const stream = await liveStream(inbox.url, ana.cookie);

    const hello = await customerSays('hello?');
    await until(() => stream.text().includes(`"roomId":"r1","index":${hello.index}}`), 'the first message announced live');
    const missed = await setup.awayWhile(() => customerSays('are you still there?'));

    await until(() => /^event: resync$/m.test(stream.text()), 'the stream saying the engine resynced');
    // The message itself was never announced: B never heard it.
    expect(stream.text()).not.toContain(`"index":${missed.index}}`);
    stream.stop();
    const { rooms } = (await (await fetch(`${inbox.url}/api/rooms`, { headers: { cookie: ana.cookie } })).json()) as { rooms: { id: string; unread: number; lastMessage: { text: string } }[] };
    expect(rooms).toEqual([expect.objectContaining({ id: 'r1', unread: 2, lastMessage: expect.objectContaining({ text: 'are you still there?' }) })]);
  });
});
