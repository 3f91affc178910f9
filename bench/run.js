// `npm run bench`: one JSON line per scenario of DESIGN.md section 15. Each scenario runs in its
// own process so peak RSS and JIT state of one do not leak into the next. Without arguments it
// runs the default set; scenarios that take minutes (`engine-1m`, `engine-1000rooms-1m`, the PostgreSQL ones) run only
// when named: `npm run bench -- engine-1m`.
'use strict';
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

const scenarios = process.argv.slice(2).length > 0
  ? process.argv.slice(2)
  : ['engine-1room', 'store-1room', 'engine-1000rooms', 'engine-keyed-10k-rooms', 'machine-stalls', 'latency-1000mps', 'nodered-baseline', 'nodered-flow', 'delivery-throughput', 'webchat-fanout'];

for (const scenario of scenarios) {
  const line = execFileSync(process.execPath, ['--expose-gc', join(__dirname, 'scenario.js'), scenario], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  process.stdout.write(line.trim().split('\n').pop() + '\n');
}
