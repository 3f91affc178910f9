// House rule: the tests typecheck, as strictly as the code they test. Vitest only strips types, so
// without this a test could pass a value of the wrong shape, or call a helper the wrong way, and
// still run. tsc runs in a child process: it takes tens of seconds and would block a worker.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** What tsc reports for the project of `tsConfig`: '' when it typechecks. */
async function typeErrors(tsConfig: string): Promise<string> {
  try {
    await run(process.execPath, [tsc, '-p', tsConfig, '--pretty', 'false'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    return '';
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return `${stdout ?? ''}${stderr ?? ''}`.trim() || String(error);
  }
}

describe('test types', () => {
  it('the check reports a test that calls a helper wrongly, or leaves a parameter untyped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomwire-test-types-'));
    try {
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          extends: join(root, 'test/tsconfig.json'),
          // Outside the repo, the @types of its node_modules are not found by walking up.
          compilerOptions: { typeRoots: [join(root, 'node_modules/@types')] },
          include: ['*.ts'],
        }),
      );
      writeFileSync(
        join(dir, 'wrong.test.ts'),
        [
          `import { until } from ${JSON.stringify(join(root, 'test/support/wait'))};`,
          `export const waited = until(() => true, 10_000);`,
          `export const double = (n) => n * 2;`,
        ].join('\n'),
      );
      const errors = await typeErrors(join(dir, 'tsconfig.json'));
      expect(errors).toMatch(/wrong\.test\.ts\(2,\d+\): error TS2345/);
      expect(errors).toMatch(/wrong\.test\.ts\(3,\d+\): error TS7006/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('every test and test helper typechecks (test/tsconfig.json)', async () => {
    expect(await typeErrors('test/tsconfig.json')).toBe('');
  }, 180_000);
});
