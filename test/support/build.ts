// Vitest global setup for the end-to-end and editor tests: Node-RED loads the compiled nodes from
// dist/, so build first (tsc -b is incremental) rather than test whatever was built last.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function build(): void {
  execFileSync('npm', ['run', '--silent', 'build'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: 'inherit',
  });
}
