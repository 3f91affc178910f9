// A seeded PRNG and generators of hostile values, so a fuzz failure can be replayed from its seed.

export class Random {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32: small, fast, and good enough to pick cases. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

export const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', ' ', 'a.b', '$where', '0'];

const NASTY_STRINGS = [
  '',
  ' ',
  'x',
  '\u0000',
  '\ud800',
  '😀'.repeat(50),
  "'; DROP TABLE events; --",
  '" OR 1=1 --',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '%00%ff',
  'custom:',
  'custom:Bad Space',
  'message',
  'system',
  'P',
  'PT',
  'P1Y2M3DT4H5M6S',
  'http://',
  'javascript:alert(1)',
  'http://127.0.0.1:1/unreachable',
  '2024-13-45T99:99:99Z',
  'NaN',
  '1e999',
  '-1',
  'null',
  'true',
  '{}',
  '[]',
];

function deep(depth: number, array: boolean): unknown {
  let value: unknown = array ? [] : {};
  for (let i = 0; i < depth; i++) value = array ? [value] : { a: value };
  return value;
}

/** A hostile value: wrong types, edge numbers, huge or odd strings, deep nesting, non-JSON values. */
export function junk(r: Random, known: string[] = [], level = 0): unknown {
  const kind = r.int(level > 2 ? 9 : 16);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return r.chance(0.5);
    case 3:
      return r.pick([0, -0, -1, 1, 1.5, -1e308, 1e308, Number.MAX_SAFE_INTEGER + 2, NaN, Infinity, -Infinity, 2 ** 31, 128, 129, 1000, 1001]);
    case 4:
      return r.pick(NASTY_STRINGS);
    case 5:
      return known.length > 0 ? r.pick(known) : 'x';
    case 6:
      return r.pick(['x', 'é', '\n', '😀', '\u202e']).repeat(r.pick([64, 129, 257, 2049, 40_000, 300_000]));
    case 7:
      return r.pick(['text', 'media', 'rich', 'list', 'template', 'custom:acme', 'location', 'contact', 'system']);
    case 8:
      return r.int(3) === 0 ? [] : {};
    case 9:
      return Array.from({ length: r.pick([1, 2, 5, 101]) }, () => junk(r, known, level + 1));
    case 10: {
      const out: Record<string, unknown> = {};
      const n = r.int(5);
      for (let i = 0; i < n; i++) {
        const key = r.chance(0.4) ? r.pick(NASTY_KEYS) : r.pick(['type', 'text', 'title', 'url', 'id', 'cards', 'buttons', 'data', 'k' + i]);
        Object.defineProperty(out, key, { value: junk(r, known, level + 1), enumerable: true, configurable: true, writable: true });
      }
      return out;
    }
    case 11:
      return deep(r.pick([64, 200, 1001, 5000, 100_000]), r.chance(0.5));
    case 12:
      return r.pick([BigInt(1), Symbol('s'), () => 1, new Date(0), new Date(NaN), Buffer.from('bytes'), new Map([[1, 2]]), new Uint8Array(3), /re/]);
    case 13: {
      const circular: Record<string, unknown> = { a: 1 };
      circular.self = circular;
      return circular;
    }
    case 14:
      return JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}');
    default:
      return Object.create(null);
  }
}
