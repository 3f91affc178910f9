// What the agent inbox page tests share: Ana's account, one Chromium per suite, and after each
// test her page closed, what served it stopped, and no uncaught error left on the page.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { agentCredentials, hashAgentPassword } from '../../nodes/lib/inbox/accounts';
import { launchChromium, openInbox } from './browser';

const PASSWORD = 'ana-has-a-long-password';
/** Ana's inbox account, hashed once: bcrypt is slow on purpose. */
export const ANA = agentCredentials([{ user: 'ana', hash: hashAgentPassword(PASSWORD) }]);

export interface InboxPageSuite {
  /** The inbox at `inboxUrl` in a new page, signed in as Ana; closed after the test. */
  signInAsAna(inboxUrl: string): Promise<Page>;
}

/** Registers the suite's hooks; `stopServing` ends what the test served the inbox from. */
export function inboxPageSuite(stopServing: () => Promise<void>): InboxPageSuite {
  let browser: Browser | undefined;
  let page: Page | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterEach(async () => {
    await page?.close();
    page = undefined;
    await stopServing();
    expect(pageErrors).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
  });

  return {
    async signInAsAna(inboxUrl) {
      if (!browser) throw new Error('inboxPageSuite: Chromium is not running (call signInAsAna inside a test)');
      page = await openInbox(browser, inboxUrl, 'ana', PASSWORD, pageErrors);
      return page;
    },
  };
}
