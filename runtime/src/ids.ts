import { randomBytes } from 'node:crypto';

let lastMillis = 0;
let sequence = 0;

// Random bytes are drawn from a pooled buffer: one crypto call per id cost ~10% of a busy engine.
const POOL_SIZE = 6 * 1024;
let pool = Buffer.alloc(0);
let poolOffset = POOL_SIZE;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/**
 * Prefixed, time-ordered ids (`evt_0mhx3k2a1000a9f3c2e1b7d4`): a log line says what an id refers
 * to, ids sort by creation time, and the store's primary-key B-trees grow at their end instead of
 * splitting random pages on every insert. Time in base 36 (9 chars), a per-millisecond sequence
 * (4 chars), then 48 random bits.
 */
export function newId(prefix: 'rm' | 'bnd' | 'evt' | 'dlv' | 'se' | 'idn' | 'hk' | 'tmr' | 'eng' | 'tc'): string {
  const now = Date.now();
  if (now === lastMillis) sequence++;
  else {
    lastMillis = now;
    sequence = 0;
  }
  const time = now.toString(36).padStart(9, '0');
  const seq = (sequence % 36 ** 4).toString(36).padStart(4, '0');
  // One flat string: a template literal makes a tree of concatenated strings (three nodes per id,
  // flattened into a fourth the first time the id is hashed or written), and ids live as long as
  // the records that carry them.
  return [prefix, '_', time, seq, randomHex(6)].join('');
}
