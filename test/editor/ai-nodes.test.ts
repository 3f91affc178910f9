// The AI nodes in a real editor, on the example "AI first, human on escalation": every node of the
// example is valid as imported (the model node deliberately without a model), the ai reply dialog
// offers its model node, its answer policies and error behaviours in words, and saving the dialog
// unchanged leaves the node as it was. Screenshots land in test-results/.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, openEditor } from '../support/browser';
import { startNodeRed, type NodeRed } from '../support/node-red';

const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'test-results');

declare const RED: {
  nodes: {
    node(id: string): (Record<string, unknown> & { valid?: boolean }) | null;
    eachNode(cb: (node: { id: string; type: string; valid?: boolean }) => void): void;
    eachConfig(cb: (node: { id: string; type: string; valid?: boolean }) => void): void;
  };
};

let browser: Browser;
let nodeRed: NodeRed;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!chromiumPath) return;
  browser = await launchChromium();
  await mkdir(screenshots, { recursive: true });
  const example = JSON.parse(await readFile(path.join(root, 'flows', 'ai-first-human-on-escalation.json'), 'utf8'));
  nodeRed = await startNodeRed({ flows: example });
});

afterAll(async () => {
  await browser?.close();
  await nodeRed?.stop();
});

const open = () => openEditor(browser, nodeRed.baseUrl, pageErrors);

describe.skipIf(!chromiumPath)('ai reply and ai model in the editor', () => {
  it('the example is valid as imported, and the ai reply dialog speaks in words', async () => {
    const page = await open();
    const invalid = await page.evaluate(() => {
      const bad: string[] = [];
      RED.nodes.eachNode((n) => {
        if (n.valid === false) bad.push(`${n.type} ${n.id}`);
      });
      RED.nodes.eachConfig((n) => {
        if (n.valid === false) bad.push(`${n.type} ${n.id}`);
      });
      return bad;
    });
    expect(invalid).toEqual([]);
    expect(await page.locator('#red-ui-palette .red-ui-palette-node[data-palette-type="roomwire-ai-reply"]').count()).toBe(1);

    const before = await page.evaluate(() => JSON.stringify(RED.nodes.node('ai-reply')));
    await page.locator('#red-ui-workspace-chart g.red-ui-flow-node-group[id="ai-reply"] .red-ui-flow-node').first().dblclick();
    await page.locator('#node-dialog-ok').waitFor();
    expect(await page.locator('#node-input-model option:checked').textContent()).toBe('Ollama (local)');
    expect(await page.locator('#node-input-policy option').allTextContents()).toEqual([
      'every customer message',
      'only messages addressed to it (@mention, direct)',
      'whenever a message reaches this node',
    ]);
    expect(await page.locator('#node-input-onError option:checked').textContent()).toBe('hand over to a human');
    expect(await page.locator('#node-input-systemPrompt').inputValue()).toContain('call the escalate tool');
    await page.screenshot({ path: path.join(screenshots, 'ai-reply-dialog.png') });
    await page.click('#node-dialog-ok');
    await page.locator('#node-dialog-ok').waitFor({ state: 'detached' });
    const after = await page.evaluate(() => JSON.stringify(RED.nodes.node('ai-reply')));
    const settings = (json: string) => {
      // Editor state, not settings: whether the node is selected, dirty or changed.
      const { changed: _changed, dirty: _dirty, selected: _selected, ...rest } = JSON.parse(json) as Record<string, unknown>;
      return rest;
    };
    expect(settings(after)).toEqual(settings(before));
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
