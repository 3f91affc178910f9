// What loading the compiled runtime costs every process that embeds it (Node-RED's start, the MCP
// command, each e2e runtime): a model provider's SDK is loaded by the first call to one of its
// models, not by loading the runtime.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const runtime = fileURLToPath(new URL('../../runtime/dist/index.js', import.meta.url));

/** Runs `script` in a fresh Node with the runtime loaded as `rw`; prints the SDKs then loaded. */
function sdksLoadedAfter(script: string): string[] {
  const program = `
    const rw = require(${JSON.stringify(runtime)});
    (async () => { ${script} })().then(() => {
      const loaded = Object.keys(require.cache).map((file) => /node_modules\\/(openai|@anthropic-ai\\/sdk)\\//.exec(file)?.[1]).filter(Boolean);
      console.log(JSON.stringify([...new Set(loaded)].sort()));
    });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', program], { encoding: 'utf8' }));
}

describe('loading the runtime', () => {
  it('loads no model SDK until a model of that provider is called', () => {
    expect(sdksLoadedAfter(`rw.createModelClient({ provider: 'openai', model: 'm' }); rw.createModelClient({ provider: 'anthropic', model: 'm' });`)).toEqual([]);
    // A call (to a port nothing listens on) loads the SDK it needs, and only that one.
    const call = `await rw.createModelClient({ provider: 'anthropic', model: 'm', apiKey: 'k', baseUrl: 'http://127.0.0.1:9', retries: 0, timeoutMs: 2000 })
      .complete({ system: 's', turns: [{ role: 'user', text: 'hi' }], tools: [] }).catch(() => undefined);`;
    expect(sdksLoadedAfter(call)).toEqual(['@anthropic-ai/sdk']);
  });
});
