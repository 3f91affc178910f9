// Opening and closing a node's edit dialog in the Node-RED editor, for the browser tests.
import type { Page } from 'playwright-core';

export const workspaceNode = (page: Page, id: string) => page.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"]`);

/** Double-clicks the node and waits until its edit tray has settled. */
export async function openEditDialog(page: Page, id: string): Promise<void> {
  await workspaceNode(page, id).locator('.red-ui-flow-node').first().dblclick();
  await page.locator('#node-dialog-ok').waitFor();
  // The tray slides in over a quarter of a second and finishes its form on the way; a click on the
  // form before it has settled can be undone (seen once: a checked box came back unchecked).
  await page.waitForFunction(() => {
    const trays = document.querySelectorAll('.red-ui-tray');
    const tray = trays[trays.length - 1];
    return tray !== undefined && tray.getAnimations().length === 0 && getComputedStyle(tray).right === '0px';
  });
}

/** Presses Done and waits for the dialog to close. */
export async function closeEditDialog(page: Page): Promise<void> {
  await page.click('#node-dialog-ok');
  await page.locator('#node-dialog-ok').waitFor({ state: 'detached' });
}
