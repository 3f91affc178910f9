// The agent inbox page in Chromium when the engine serving it resyncs: engines A and B on one
// PostgreSQL database, the page on B, customers writing through A while B's change-feed listener
// is away and the log rows it missed are pruned. No later message comes to announce them: the page
// must catch up on the resync alone, in the open room and in the room list.
import { describe, expect, it } from 'vitest';
import { chromiumPath } from '../support/browser';
import { inboxOnAwayEngine, type AwayInbox } from '../support/inbox-away';
import { ANA, inboxPageSuite } from '../support/inbox-page';
import { postgresAvailable } from '../support/postgres';

const withPostgres = await postgresAvailable();

/** Waits for the page (a browser on a busy machine) to show something. */
const eventually = <T>(probe: () => T | Promise<T>) => expect.poll(probe, { timeout: 10_000, interval: 50 });

describe.skipIf(!chromiumPath || !withPostgres)('the agent inbox page when its engine resyncs', () => {
  let setup: AwayInbox | undefined;
  const suite = inboxPageSuite(async () => {
    await setup?.close();
    setup = undefined;
  });

  /** A room on A where Carla said hello, and the inbox page on B signed in as Ana. */
  async function carlaWritesAnaReads() {
    setup = await inboxOnAwayEngine(ANA);
    const carlaSays = await setup.customerRoom('r1', 'Carla');
    await carlaSays('hello?');
    const ana = await suite.signInAsAna(setup.inbox.url);
    return { engines: setup, carlaSays, ana, room: (id: string) => ana.locator(`#rooms [data-room-id="${id}"]`) };
  }

  it('shows the messages its engine missed in the open room, with no later message to announce them', async () => {
    const { engines, carlaSays, ana, room } = await carlaWritesAnaReads();
    await room('r1').click();
    const timeline = () => ana.locator('#timeline').innerText();
    await eventually(timeline).toContain('hello?');

    await engines.awayWhile(() => carlaSays('are you still there?'));

    await eventually(timeline).toContain('are you still there?');
    expect(await ana.locator('#timeline li', { hasText: 'are you still there?' }).count()).toBe(1);
  });

  it('lists the rooms and messages its engine missed, with no later message to announce them', async () => {
    const { engines, carlaSays, room } = await carlaWritesAnaReads();
    await eventually(() => room('r1').innerText()).toContain('hello?');

    await engines.awayWhile(async () => {
      await carlaSays('are you still there?');
      const danaSays = await engines.customerRoom('r2', 'Dana');
      await danaSays('a new conversation');
    });

    await eventually(() => room('r2').innerText()).toContain('a new conversation');
    await eventually(() => room('r1').innerText()).toContain('are you still there?');
    expect(await room('r1').locator('.unread').getAttribute('data-unread')).toBe('2');
  });
});
