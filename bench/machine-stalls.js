// The machine's own pauses, beside `latency-1000mps`: an empty event loop turning for `seconds`
// with nothing else in the process. A gap between two turns is time the process was not run (the
// operating system, the hypervisor, other load on a shared machine). At `rate` messages a second,
// a gap of g ms holds up the messages offered in its first g - budget ms past the budget, however
// fast the engine is; if they are 1% of a run's messages, p99 under the budget is out of reach
// on that machine in that hour.
'use strict';
const { performance } = require('node:perf_hooks');

function run(scenario, seconds, rate = 1000, budgetMs = 10) {
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
      if (now < end) {
        setImmediate(turn);
        return;
      }
      const held = gaps.reduce((sum, gap) => sum + Math.max(0, gap - budgetMs), 0) * (rate / 1000);
      resolve({
        scenario,
        seconds,
        turns,
        maxGapMs: Math.round(Math.max(0, ...gaps) * 10) / 10,
        gapsOver5Ms: gaps.filter((gap) => gap > 5).length,
        gapsOverBudget: gaps.filter((gap) => gap > budgetMs).length,
        budgetMs,
        offeredPerSec: rate,
        heldPastBudgetPct: Math.round((held / (rate * seconds)) * 10_000) / 100,
      });
    };
    setImmediate(turn);
  });
}

module.exports = { run };
