// The machine's own pauses, beside `latency-1000mps`:
// - an empty event loop turning for `seconds` with nothing else in the process: a gap between two
//   turns is time the process was not run (the operating system, the hypervisor, other load on a
//   shared machine). At `rate` messages a second, a gap of g ms holds up the messages offered in
//   its first g - budget ms past the budget, however fast the engine is; if they are 1% of a run's
//   messages, p99 under the budget is out of reach on that machine in that hour;
// - then 8 KB appended and synced to a file in the temporary directory, back to back, for a
//   while: what one group commit's sync (`synchronous = FULL`) costs the disk, and how far it
//   spikes. Every offer waits behind a slow sync, since SQLite starts the next transaction only
//   once the last one's COMMIT has returned.
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const { open } = require('node:fs/promises');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { percentile } = require('./measure');

function loopGaps(seconds) {
  return new Promise((resolve) => {
    const gaps = [];
    let turns = 0;
    let last = performance.now();
    const end = last + seconds * 1000;
    const turn = () => {
      const now = performance.now();
      turns++;
      // Only pauses are kept: a loop turns millions of times.
      if (now - last > 1) gaps.push(now - last);
      last = now;
      if (now < end) setImmediate(turn);
      else resolve({ gaps, turns });
    };
    setImmediate(turn);
  });
}

async function syncTimes(seconds) {
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-bench-sync-'));
  const file = await open(join(dir, 'wal'), 'w');
  const block = Buffer.alloc(8192, 1);
  const times = [];
  try {
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      await file.write(block);
      const started = performance.now();
      await file.datasync();
      times.push(performance.now() - started);
    }
  } finally {
    await file.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return Float64Array.from(times);
}

async function run(scenario, seconds, rate = 1000, budgetMs = 10) {
  const { gaps, turns } = await loopGaps(seconds);
  const held = gaps.reduce((sum, gap) => sum + Math.max(0, gap - budgetMs), 0) * (rate / 1000);
  const syncs = await syncTimes(seconds / 2);
  const round = (ms) => Math.round(ms * 1000) / 1000;
  return {
    scenario,
    seconds,
    turns,
    maxGapMs: round(Math.max(0, ...gaps)),
    gapsOver5Ms: gaps.filter((gap) => gap > 5).length,
    gapsOverBudget: gaps.filter((gap) => gap > budgetMs).length,
    budgetMs,
    offeredPerSec: rate,
    heldPastBudgetPct: Math.round((held / (rate * seconds)) * 10_000) / 100,
    syncs: syncs.length,
    syncP50Ms: round(percentile(syncs, 0.5)),
    syncP99Ms: round(percentile(syncs, 0.99)),
    syncMaxMs: round(Math.max(...syncs)),
    syncsOverBudget: syncs.filter((ms) => ms > budgetMs).length,
  };
}

module.exports = { run };
