'use strict';

/** Percentile of a sample in milliseconds, rounded to microseconds. */
function percentile(values, p) {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return 0;
  const at = Math.min(sorted.length - 1, Math.floor(p * sorted.length));
  return Math.round(sorted[at] * 1000) / 1000;
}

/** Peak resident set size of this process so far, in MB (the kernel's high-water mark). */
function peakRss() {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/**
 * Resident set size now, in MB, after a full garbage collection when the process runs with
 * --expose-gc (`npm run bench` does): what the process keeps, not what awaits collection.
 */
function settledRss() {
  if (global.gc) global.gc();
  return Math.round(process.memoryUsage().rss / 1048576);
}

/** The fields every scenario's JSON line starts with. */
function summary(scenario, messages, seconds, latencies) {
  return {
    scenario,
    msgsPerSec: Math.round(messages / seconds),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    peakRssMb: peakRss(),
    messages,
  };
}

module.exports = { percentile, peakRss, settledRss, summary };
