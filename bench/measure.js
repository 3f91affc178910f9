'use strict';
const { readFileSync } = require('node:fs');

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
 * Resident memory and the JavaScript heap in use, in MB (with --expose-gc, which `npm run bench`
 * passes), once a full collection's pages are back with the system: V8 unmaps freed pages on a
 * background thread, so RSS read at once still counts them (measured on one run, each sample taken
 * with nothing in flight: 264–351 MB read at once, 211–219 MB after the wait). Resident memory also
 * holds SQLite's page caches, which fill up to their bound as the file grows; the heap in use is
 * what the engine itself holds.
 */
async function settledMemory() {
  global.gc?.();
  await new Promise((resolve) => setTimeout(resolve, UNMAP_WAIT_MS));
  global.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMb: Math.round(rss / 1048576), heapMb: Math.round(heapUsed / 1048576) };
}

const UNMAP_WAIT_MS = 200;

/**
 * CPU time used so far in microseconds: by the main thread (Linux: /proc, in 10 ms ticks; null
 * elsewhere) and by the whole process (the main thread plus SQLite's and libuv's threads). On a
 * shared machine CPU time per message moves far less with other load than messages per second.
 */
function cpuNow() {
  let mainUs = null;
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    mainUs = (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    // Not Linux: only the process total is reported.
  }
  const { user, system } = process.cpuUsage();
  return { mainUs, processUs: user + system };
}

/**
 * Bytes this process has handed to `write` calls so far (Linux: /proc; null elsewhere): SQLite's
 * WAL frames, and the pages its checkpoints copy into the database file.
 */
function bytesWritten() {
  try {
    return Number(/^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))[1]);
  } catch {
    return null;
  }
}

/** CPU microseconds per message between two `cpuNow()` readings. */
function cpuPerMessage(from, to, messages) {
  return {
    mainThreadCpuUsPerMsg: from.mainUs === null ? null : Math.round((to.mainUs - from.mainUs) / messages),
    processCpuUsPerMsg: Math.round((to.processUs - from.processUs) / messages),
  };
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

/**
 * One message through the engine before the measured phase. A validator compiles its schema on its
 * first call (about a quarter of a second for `sendEvent`), a start-up cost like loading the
 * runtime, which steady-state numbers leave out.
 */
async function sendFirstMessage(engine, roomId, bindingId) {
  await engine.call('sendEvent', { roomId, bindingId, content: { type: 'text', text: 'first message' } });
  await engine.idle();
}

module.exports = { percentile, peakRss, settledMemory, summary, cpuNow, cpuPerMessage, bytesWritten, sendFirstMessage };
