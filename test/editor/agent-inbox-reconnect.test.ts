// The agent inbox page in Chromium when its live stream drops (a proxy's timeout, a network blip,
// Node-RED restarting): the server ends the stream, and a customer writes while it is down. No
// stream announces those changes, so the page must read its rooms again once it is connected again,
// also when the browser gave up on the stream because the server refused it.
import { describe, expect, it } from 'vitest';
import { chromiumPath } from '../support/browser';
import { carlaInboxSuite } from '../support/carla-inbox';
import { customerRoom } from '../support/inbox-server';
import { until } from '../support/wait';

// Chromium waits 3 s before it connects a dropped stream again, and the page backs off before
// it opens a refused one again.
const RECONNECTED_MS = 15_000;

describe.skipIf(!chromiumPath)('the agent inbox page when its live stream drops', () => {
  const scenes = carlaInboxSuite();

  /** Carla's room, where she said hello, open in the inbox page of Ana; `loads` counts the page's loads after that. */
  async function anaReadsCarla() {
    const { engine, inbox, carlaSays, ana } = await scenes.anaReadsCarla();
    const timeline = () => ana.locator('#timeline').innerText();
    const rooms = () => ana.locator('#rooms').innerText();
    const loads = { count: 0 };
    ana.on('framenavigated', (frame) => {
      if (frame === ana.mainFrame()) loads.count++;
    });
    return { engine, inbox, carlaSays, ana, timeline, rooms, loads };
  }

  it('catches up, without a reload, on the messages and rooms committed while its live stream was down', async () => {
    const { engine, inbox, carlaSays, ana, timeline, rooms, loads } = await anaReadsCarla();

    await inbox.dropLiveStreams(async () => {
      await carlaSays('are you still there?');
      const danaSays = await customerRoom(engine, 'r2', 'Dana');
      await danaSays('a new conversation');
    });

    await until(async () => (await timeline()).includes('are you still there?'), 'the open room showing the message committed while the stream was down', RECONNECTED_MS);
    await until(async () => (await rooms()).includes('a new conversation'), 'the room list showing the room created while the stream was down');
    expect(await ana.locator('#timeline li', { hasText: 'are you still there?' }).count()).toBe(1);
    expect(loads.count).toBe(0);
  });

  it('connects again after the server refused its live stream, and catches up on what was committed meanwhile', async () => {
    const { inbox, carlaSays, timeline, loads } = await anaReadsCarla();

    await inbox.dropLiveStreams(() => carlaSays('are you still there?'), { refuse: true });

    await until(async () => (await timeline()).includes('are you still there?'), 'the open room showing the message committed while the stream was refused', RECONNECTED_MS);
    expect(loads.count).toBe(0);
  });
});
