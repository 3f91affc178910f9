// What a user sees after `npm install && npm start`: the editor opens on the default flow (the
// support desk) without any dialog in the way, the start prints the chat page and a one-time
// sign-in link for the demo agent, the Roomwire nodes are in the palette, and the shared flows are
// offered under Import > Examples. Screenshots land in test-results/ for a human to look at.
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from '../support/browser';
import { readFlows, startNodeRed, type NodeRed } from '../support/node-red';

const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'test-results');
const MODULE = '@roomwire/node-red';
const DEFAULT_FLOW = 'support-desk';
const EXAMPLE = 'webhook-room';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  await mkdir(screenshots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!chromiumPath)('first start', () => {
  let nodeRed: NodeRed;
  beforeAll(async () => {
    nodeRed = await startNodeRed();
  });
  afterAll(async () => {
    await nodeRed?.stop();
  });

  it('opens on the default flow, with the Roomwire palette and no dialog', async () => {
    const example = await readExample(DEFAULT_FLOW);
    const { page, pageErrors } = await openEditor(nodeRed.baseUrl);
    const roomwireNodes = page.locator('#red-ui-palette .red-ui-palette-node[data-palette-type^="roomwire-"]');
    await roomwireNodes.first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(screenshots, 'editor-first-start.png') });

    expect(await overlays(page)).toEqual([]);
    expect(await roomwireNodes.count()).toBeGreaterThan(0);
    const firstTab = example.find((n) => n.type === 'tab');
    expect(await drawnNodes(page)).toBe(placedNodes(example, firstTab?.id).length);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('loads the support desk as the flows', async () => {
    expect(await readFlows(nodeRed)).toEqual(await readExample(DEFAULT_FLOW));
  });

  it('says where the editor, the database, the chat page and the inbox are, and warns about nothing', async () => {
    const database = path.join(nodeRed.dataDir, 'roomwire.sqlite');
    expect(nodeRed.logs()).toContain(`Roomwire editor: ${nodeRed.baseUrl}  database: ${database}`);
    expect(nodeRed.logs()).toContain(`Customer chat page: ${nodeRed.httpNodeUrl}roomwire/chat?channel=support-chat`);
    expect(signinLink(nodeRed)).toMatch(new RegExp(`^${nodeRed.httpNodeUrl}roomwire/inbox/signin\\?token=[A-Za-z0-9_-]{43}$`));
    expect((await fetch(`${nodeRed.httpNodeUrl}roomwire/chat?channel=support-chat`)).status).toBe(200);
    expect(nodeRed.logs()).not.toMatch(/\[(warn|error)\]/);
  });

  it("makes up the demo agent's password, keeps it for its owner only, and its hash nowhere but the credentials", async () => {
    const file = path.join(nodeRed.dataDir, 'demo-agent.json');
    const demo = JSON.parse(await readFile(file, 'utf8')) as { user: string; password: string };
    expect(demo.user).toBe('demo');
    expect(demo.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // The password works in the inbox...
    const login = await fetch(`${nodeRed.httpNodeUrl}roomwire/inbox/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(demo) });
    expect(login.status).toBe(200);
    // ...and neither it nor its hash is in the flows, the log, or what the admin API tells the editor.
    const engine = (await readExample(DEFAULT_FLOW)).find((n) => n.type === 'roomwire-engine')!;
    const credentials = await (await fetch(`${nodeRed.baseUrl}credentials/roomwire-engine/${engine.id}`)).text();
    expect(JSON.parse(credentials)).toMatchObject({ agentUser1: 'demo', has_agentPassword1: true });
    for (const [what, text] of [['flows', JSON.stringify(await readFlows(nodeRed))], ['log', nodeRed.logs()], ['credentials API', credentials], ['login answer', await login.text()]]) {
      expect(text, what).not.toMatch(/\$2[aby]\$/);
      expect(text, what).not.toContain(demo.password);
    }
  });

  it('prints a sign-in link that signs the demo agent in once', async () => {
    const link = signinLink(nodeRed)!;
    const first = await fetch(link, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/api/roomwire/inbox/');
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    const session = await fetch(`${nodeRed.httpNodeUrl}roomwire/inbox/api/session`, { headers: { cookie } });
    expect(await session.json()).toMatchObject({ user: 'demo' });
    const again = await fetch(link, { redirect: 'manual' });
    expect(again.headers.get('location')).toBe('/api/roomwire/inbox/#link-expired');
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it('generates a credential secret that only its owner can read', async () => {
    const file = path.join(nodeRed.dataDir, 'credential-secret');
    expect((await readFile(file, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});

describe.skipIf(!chromiumPath)('Import > Examples', () => {
  let nodeRed: NodeRed;
  beforeAll(async () => {
    // An empty workspace, so that the import adds every node instead of asking about duplicates.
    nodeRed = await startNodeRed({ flows: [] });
  });
  afterAll(async () => {
    await nodeRed?.stop();
  });

  it(`lists ${MODULE} and imports ${EXAMPLE} onto the workspace`, async () => {
    const example = await readExample();
    const { page, pageErrors } = await openEditor(nodeRed.baseUrl);

    await page.click('#red-ui-header-button-sidemenu');
    await page.click('#menu-item-import');
    const dialog = page.locator('.ui-dialog:has(#red-ui-clipboard-dialog)');
    await dialog.locator('#red-ui-clipboard-dialog-import-tabs').getByText('Examples', { exact: true }).click();
    const examples = dialog.locator('#red-ui-clipboard-dialog-import-tab-examples');
    await examples.getByText(MODULE, { exact: true }).click();
    await examples.getByText(EXAMPLE, { exact: true }).click();
    await page.screenshot({ path: path.join(screenshots, 'editor-import-examples.png') });
    await page.click('#red-ui-clipboard-dialog-ok');
    await dialog.waitFor({ state: 'hidden' });

    await expect.poll(() => editorNodeTypes(page)).toEqual(placedNodes(example).map((n) => n.type).sort());
    // An example with its own tabs arrives as new tabs: open each, as a user would, and look.
    const tabs = example.filter((n) => n.type === 'tab');
    if (tabs.length === 0) expect(await drawnNodes(page)).toBe(placedNodes(example).length);
    for (const tab of tabs) {
      const label = page.getByText(tab.label ?? '', { exact: true });
      await page.locator('#red-ui-workspace-tabs .red-ui-tab').filter({ has: label }).click();
      await expect.poll(() => drawnNodes(page)).toBe(placedNodes(example, tab.id).length);
    }
    await page.screenshot({ path: path.join(screenshots, 'editor-imported-example.png') });
    expect(await overlays(page, '.red-ui-notification-warning, .red-ui-notification-error')).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  x?: number;
  label?: string;
}

async function readExample(name = EXAMPLE): Promise<FlowNode[]> {
  return JSON.parse(await readFile(path.join(root, 'examples', `${name}.json`), 'utf8')) as FlowNode[];
}

function signinLink(nodeRed: NodeRed): string | undefined {
  return /Agent inbox \(signs in as demo, once\): (\S+)/.exec(nodeRed.logs())?.[1];
}

/** Nodes drawn on a workspace (not tabs, config nodes or junctions), on one tab or on all. */
function placedNodes(flows: FlowNode[], tab?: string): FlowNode[] {
  return flows.filter((n) => typeof n.x === 'number' && n.type !== 'junction' && (tab === undefined || n.z === tab));
}

// The editor's global, as far as these tests use it.
declare const RED: {
  nodes: { filterNodes(filter: object): FlowNode[] };
  settings: { telemetryEnabled?: boolean; theme(property: string, fallback: unknown): unknown; get(name: string, fallback: unknown): unknown };
};

async function openEditor(baseUrl: string): Promise<{ page: Page; pageErrors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(baseUrl);
  await page.locator('#red-ui-palette .red-ui-palette-node').first().waitFor();
  await page.locator('#red-ui-loading-progress').waitFor({ state: 'hidden' });
  // The editor decides on its telemetry prompt and its welcome tour in the turn that hides the
  // loading bar (red.js: checkTelemetry, then checkFirstRun). The prompt is drawn in that turn, so
  // it is on the page by now; the tour loads later, and only when these settings ask for it.
  expect(
    await page.evaluate(() => ({
      telemetryPromptDue: RED.settings.telemetryEnabled === undefined,
      welcomeTourDue: RED.settings.theme('tours', true) !== false && RED.settings.get('editor.view.view-show-welcome-tours', true) !== false,
    })),
  ).toEqual({ telemetryPromptDue: false, welcomeTourDue: false });
  return { page, pageErrors };
}

/** Visible dialogs, prompts, tours and notifications: anything a user would have to deal with. */
async function overlays(
  page: Page,
  selector = '.ui-dialog, .red-ui-dialog, .red-ui-tourGuide-popover, .red-ui-notification',
): Promise<string[]> {
  return page
    .locator(selector)
    .filter({ visible: true })
    .evaluateAll((elements) => elements.map((el) => (el as HTMLElement).innerText.trim()));
}

/** Nodes drawn on the visible workspace. */
function drawnNodes(page: Page): Promise<number> {
  return page.locator('#red-ui-workspace-chart .red-ui-flow-node-group').count();
}

/** Types of the drawable nodes the editor holds, on every tab. */
async function editorNodeTypes(page: Page): Promise<string[]> {
  const nodes = await page.evaluate(() =>
    RED.nodes.filterNodes({}).map(({ id, type, z, x }) => ({ id, type, z, x })),
  );
  return placedNodes(nodes).map((n) => n.type).sort();
}
