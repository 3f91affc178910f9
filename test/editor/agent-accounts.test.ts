// Agent accounts set in the engine node's dialog, as a user does it: without any account the inbox
// page only says how to add one; a password typed in the dialog is hashed in the browser, so
// neither it nor its hash reaches the flows, the log or the admin API, and it signs the agent in;
// adding a second agent later keeps the first one's password without asking for it again.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from '../support/browser';
import { readFlows, startNodeRed, type NodeRed } from '../support/node-red';
import { until } from '../support/wait';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ZOE = 'zoe-types-a-long-password';
const YAN = 'yan-has-another-one';

// The editor's global, as far as this test uses it.
declare const RED: { editor: { editConfig(name: string, type: string, id: string): void } };

describe.skipIf(!chromiumPath)('agent accounts in the engine node dialog', () => {
  let nodeRed: NodeRed;
  let browser: Browser;
  let editor: Page;
  const pageErrors: string[] = [];

  const signIn = async (user: string, password: string) =>
    (
      await fetch(`${nodeRed.httpNodeUrl}roomwire/inbox/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user, password }),
      })
    ).status;

  async function setAgent(slot: number, user: string, password: string): Promise<void> {
    await editor.evaluate(() => RED.editor.editConfig('', 'roomwire-engine', 'desk-engine'));
    const userInput = editor.locator(`#node-config-input-agentUser${slot}`);
    if (!(await userInput.isVisible())) await editor.getByRole('button', { name: 'add an agent' }).click();
    await userInput.fill(user);
    await editor.locator(`#node-config-input-agentPassword${slot}`).fill(password);
    await editor.click('#node-config-dialog-ok');
    await editor.click('#red-ui-header-button-deploy');
  }

  beforeAll(async () => {
    // The support desk's engine, without the demo agent `npm start` seeds on a real first start.
    const desk = JSON.parse(await readFile(path.join(root, 'flows', 'support-desk.json'), 'utf8')) as { type: string }[];
    nodeRed = await startNodeRed({ flows: desk.filter((node) => node.type === 'tab' || node.type === 'roomwire-engine') });
    browser = await launchChromium();
    editor = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    editor.on('pageerror', (error) => pageErrors.push(error.message));
    await editor.goto(nodeRed.baseUrl);
    await editor.locator('#red-ui-palette .red-ui-palette-node').first().waitFor();
    await editor.locator('#red-ui-loading-progress').waitFor({ state: 'hidden' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await nodeRed?.stop();
  });

  it('without any account, the inbox page says how to add one and opens to nobody', async () => {
    const inbox = await browser.newPage();
    await inbox.goto(`${nodeRed.httpNodeUrl}roomwire/inbox/`);
    await inbox.locator('#not-configured').waitFor();
    expect(await inbox.locator('#not-configured').innerText()).toContain('Agent accounts');
    expect(await inbox.locator('#signin-form').isHidden()).toBe(true);
    expect((await fetch(`${nodeRed.httpNodeUrl}roomwire/inbox/api/rooms`)).status).toBe(401);
    await inbox.close();
  });

  it('signs in an agent added in the dialog; the password and its hash are in no flow, log or admin answer', async () => {
    await setAgent(1, 'zoe', ZOE);
    await until(async () => (await signIn('zoe', ZOE)) === 200, 'zoe to be able to sign in');
    expect(await signIn('zoe', 'not-her-password')).toBe(401);
    const credentials = await (await fetch(`${nodeRed.baseUrl}credentials/roomwire-engine/desk-engine`)).text();
    expect(JSON.parse(credentials)).toMatchObject({ agentUser1: 'zoe', has_agentPassword1: true });
    const stored = await readFile(path.join(nodeRed.dataDir, 'node-red', 'flows.json'), 'utf8');
    for (const [what, text] of [['credentials API', credentials], ['flows API', JSON.stringify(await readFlows(nodeRed))], ['flows file', stored], ['log', nodeRed.logs()]]) {
      expect(text, what).not.toContain(ZOE);
      expect(text, what).not.toMatch(/\$2[aby]\$/);
    }
  });

  it("adds a second agent without asking for the first one's password again", async () => {
    await setAgent(2, 'yan', YAN);
    await until(async () => (await signIn('yan', YAN)) === 200, 'yan to be able to sign in');
    expect(await signIn('zoe', ZOE)).toBe(200);
    expect(pageErrors).toEqual([]);
  });
});
