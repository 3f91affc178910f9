// The scene most agent inbox page tests start from: an engine with the inbox's channels, its inbox
// served with Ana's account, and Carla's room r1, where she said hello. Each test gets its own,
// closed after it with the suite's page.
import type { Page } from 'playwright-core';
import type { Engine, RoomEvent } from '../../runtime/src';
import { cleanupAll, openTestEngine } from '../runtime/support/engine';
import { until } from './wait';
import { ANA, inboxPageSuite } from './inbox-page';
import { customerRoom, registerInboxChannels, serveInbox, type InboxServer } from './inbox-server';

export interface CarlasRoom {
  engine: Engine;
  inbox: InboxServer;
  carlaSays: (text: string) => Promise<RoomEvent>;
  /** What Carla said first. */
  hello: RoomEvent;
  /** Ana's inbox page, signed in. */
  ana: Page;
}

export interface CarlaInboxSuite {
  /** Carla (or `customer`) said hello in r1, and Ana signed in to the inbox; the room not open yet. */
  carlaSaidHello(options?: { customer?: string; clock?: () => number }): Promise<CarlasRoom>;
  /** The same, with the room open in Ana's page and showing the hello. */
  anaReadsCarla(): Promise<CarlasRoom>;
}

/** Registers the suite's hooks (one Chromium, the scene stopped after each test). */
export function carlaInboxSuite(): CarlaInboxSuite {
  let inbox: InboxServer | undefined;
  const suite = inboxPageSuite(async () => {
    await inbox?.close();
    inbox = undefined;
    await cleanupAll();
  });

  async function carlaSaidHello(options: { customer?: string; clock?: () => number } = {}): Promise<CarlasRoom> {
    const { engine } = await openTestEngine({ noChannels: true });
    await registerInboxChannels(engine);
    const served = await serveInbox(engine, ANA, options.clock);
    inbox = served;
    const carlaSays = await customerRoom(engine, 'r1', options.customer ?? 'Carla');
    const hello = await carlaSays('hello?');
    const ana = await suite.signInAsAna(served.url);
    return { engine, inbox: served, carlaSays, hello, ana };
  }

  return {
    carlaSaidHello,
    async anaReadsCarla() {
      const scene = await carlaSaidHello();
      await scene.ana.locator('#rooms [data-room-id="r1"]').click();
      await until(async () => (await scene.ana.locator('#timeline').innerText()).includes('hello?'), 'the open room showing hello?');
      return scene;
    },
  };
}
