// The number settings of the nodes in a real editor: a value the runtime refuses (a hook's timeout
// over two minutes, an SMS budget of 0 segments, eleven model retries...) is flagged in the dialog,
// not accepted there and then refused at deploy, or on every message; an empty optional setting
// (the runtime's default) and every value the runtime takes stay valid. The same for the web chat
// settings of a channel, which the runtime would silently replace by their defaults.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, openEditor } from '../support/browser';
import { startNodeRed, type NodeRed } from '../support/node-red';

declare const RED: {
  nodes: { getType(type: string): { defaults: Record<string, { validate?: (this: object, value: unknown) => unknown }> } };
};

let browser: Browser;
let nodeRed: NodeRed;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!chromiumPath) return;
  browser = await launchChromium();
  nodeRed = await startNodeRed();
  page = await openEditor(browser, nodeRed.baseUrl, pageErrors);
});

afterAll(async () => {
  await browser?.close();
  await nodeRed?.stop();
});

/** Whether the editor takes `value` for the setting (a validator answers true, or a message when it does not). */
function editorAccepts(type: string, property: string, value: string): Promise<boolean> {
  return page.evaluate(
    ([type, property, value]) => {
      const validate = RED.nodes.getType(type!).defaults[property!]!.validate;
      return !validate || validate.call({}, value) === true;
    },
    [type, property, value],
  );
}

// [node type, setting, the values the runtime takes, the values it refuses] (nodes/roomwire-hook.ts
// settingsOf, nodes/lib/ai-settings.ts, createModelClient in runtime/src/ai/clients, the
// transcodeContent operation's schema, the fallback policy's duration).
const RULES: [string, string, string[], string[]][] = [
  ['roomwire-hook', 'timeoutMs', ['1', '5000', '120000'], ['0', '120001', '']],
  ['roomwire-ai-reply', 'maxEvents', ['', '1', '1000'], ['0', '1001']],
  ['roomwire-ai-reply', 'maxTokens', ['', '1', '1000000'], ['0', '1000001']],
  ['roomwire-ai-reply', 'smsSegments', ['', '1', '10'], ['0', '11']],
  ['roomwire-ai-reply', 'flowToolTimeoutMs', ['', '1', '600000'], ['0', '600001']],
  ['roomwire-ai-model', 'timeoutMs', ['', '1', '3600000'], ['0', '3600001']],
  ['roomwire-ai-model', 'retries', ['', '0', '10'], ['11']],
  ['roomwire-ai-model', 'maxOutputTokens', ['', '1', '1000000'], ['0', '1000001']],
  ['roomwire-transcode', 'maxParts', ['', '1', '100'], ['0', '101']],
  ['roomwire-fallback', 'after', ['', 'PT5M', ' PT2M ', 'P1DT2H'], ['5m', 'PT', 'P', '300']],
];

// The web chat settings a malformed value of falls back to its default (nodes/lib/providers/webchat.ts).
const CHAT_RULES: [string, string, string[], string[]][] = [
  ['roomwire-channel', 'chatStartsPerMinute', ['', '1', '0.5', '10'], ['0', '-1', 'ten']],
  ['roomwire-channel', 'chatTokenHours', ['', '0.5', '24'], ['0', '-2']],
  ['roomwire-channel', 'chatInactiveAfter', ['', 'PT30M', 'P1D', 'PT1H30M'], ['30m', 'PT', 'P', '30']],
  ['roomwire-channel', 'chatClosedAfter', ['', 'PT24H', 'P2W'], ['24h', 'PT24']],
];

describe.skipIf(!chromiumPath)('number settings in the editor', () => {
  it.each(RULES)('%s %s: valid exactly where the runtime takes the value', async (type, property, takes, refuses) => {
    for (const value of takes) expect(await editorAccepts(type, property, value), `${type} ${property} = ${JSON.stringify(value)}`).toBe(true);
    for (const value of refuses) expect(await editorAccepts(type, property, value), `${type} ${property} = ${JSON.stringify(value)}`).toBe(false);
    expect(pageErrors).toEqual([]);
  });

  it.each(CHAT_RULES)('%s %s: valid exactly where the runtime uses the value rather than its default', async (type, property, takes, replaces) => {
    for (const value of takes) expect(await editorAccepts(type, property, value), `${type} ${property} = ${JSON.stringify(value)}`).toBe(true);
    for (const value of replaces) expect(await editorAccepts(type, property, value), `${type} ${property} = ${JSON.stringify(value)}`).toBe(false);
  });
});
