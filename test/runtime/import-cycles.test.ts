// House rule: no import cycles. Each helper lives in the module that owns its rule, so a module
// can be read (and loaded) without the ones that use it. Type-only imports vanish when compiled
// and are not counted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function cycles(dir: string, tsConfig: string): Promise<string[][]> {
  const graph = await madge(dir.startsWith('/') ? dir : `${root}${dir}`, {
    fileExtensions: ['ts'],
    tsConfig: `${root}${tsConfig}`,
    detectiveOptions: { ts: { skipTypeImports: true } },
  });
  return graph.circular();
}

describe('imports', () => {
  it('the check finds a cycle where there is one (and ignores one made of type imports)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomwire-cycles-'));
    try {
      writeFileSync(join(dir, 'a.ts'), "import { b } from './b';\nexport const a = () => b;\n");
      writeFileSync(join(dir, 'b.ts'), "import { a } from './a';\nimport type { C } from './c';\nexport const b = () => a;\nexport type B = C;\n");
      writeFileSync(join(dir, 'c.ts'), "import type { B } from './b';\nexport type C = { b?: B };\n");
      expect(await cycles(dir, 'runtime/tsconfig.json')).toEqual([['a.ts', 'b.ts']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('the runtime has no import cycle', async () => {
    expect(await cycles('runtime/src', 'runtime/tsconfig.json')).toEqual([]);
  }, 60_000);

  it('the nodes have no import cycle', async () => {
    expect(await cycles('nodes', 'tsconfig.nodes.json')).toEqual([]);
  }, 60_000);
});
