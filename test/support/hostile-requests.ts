// Hostile requests for the HTTP tests: the malformed bodies of the HTTP fuzz test (one generator
// per entry point, from a replayable seed), the bodies that once ended or hung the process (nested
// thousands of levels deep, oversized, compressed bombs), and a client that leaves mid-body.
import net from 'node:net';
import { gzipSync } from 'node:zlib';

/** The engine's body limit (webhook and REST routes, and the `http in` guard). */
export const BODY_LIMIT = 1024 * 1024;
/** The demo flow's own limit for what alice and bob say. */
export const SAY_LIMIT = 64 * 1024;

/** A deterministic generator, so a failure can be replayed from the seed in its message. */
export function random(seed: number) {
  // mulberry32: neighbouring seeds give unrelated sequences.
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const text = (max: number) => Array.from({ length: int(max) }, () => String.fromCharCode(int(3) === 0 ? 0x20 + int(0x5f) : int(0xd7ff))).join('');
  const junk = (): unknown =>
    pick<() => unknown>([
      () => int(1e9) - 5e8,
      () => next(),
      () => text(40),
      () => '',
      () => null,
      () => int(2) === 0,
      () => [junk(), junk()],
      () => ({ [text(8) || 'k']: junk() }),
      () => 'x'.repeat(300 + int(40_000)),
    ])();
  return { int, pick, text, junk };
}

export type Random = ReturnType<typeof random>;

/** A webhook body the provider's schema must reject: one of many ways to be wrong. */
export function badInbound(r: Random): string | Uint8Array<ArrayBuffer> {
  const base: Record<string, unknown> = { from: `fuzz-${r.int(1e6)}`, text: r.text(20) || 'x' };
  const mutations: (() => string | Uint8Array<ArrayBuffer>)[] = [
    () => JSON.stringify({ ...base, [`unknown_${r.int(1e6)}`]: r.junk() }),
    () => JSON.stringify({ ...base, from: r.pick([r.int(100), null, true, [], {}, '', 'f'.repeat(257)]) }),
    () => JSON.stringify({ text: base.text }),
    () => JSON.stringify({ ...base, text: r.pick([r.int(100), null, false, [], {}, '', 't'.repeat(32_769)]) }),
    () => JSON.stringify({ ...base, content: { type: 'text', text: 'both' } }),
    () => JSON.stringify({ from: base.from, content: r.pick(['text', 7, [], null, { type: 7 }]) }),
    () => JSON.stringify({ ...base, correlationId: 'c'.repeat(129 + r.int(100)) }),
    () => JSON.stringify({ ...base, metadata: r.pick(['m', 1, [], true]) }),
    () => JSON.stringify({ ...base, roomId: `no-such-room-${r.int(1e6)}` }),
    () => JSON.stringify({ type: 'status', deliveryId: `dlv_${r.int(1e9)}`, status: r.pick(['sent', 'delivered', 'read', 'failed']) }),
    () => JSON.stringify({ type: 'status', deliveryId: 'x', status: r.pick(['done', '', 1, null]) }),
    () => JSON.stringify({ type: r.pick(['event', 'STATUS', 1]), ...base }),
    () => JSON.stringify(r.pick([[base], 42, 'a string', true])),
    () => JSON.stringify(base).slice(0, 1 + r.int(20)),
    () => `{${r.text(30)}`,
    () => new Uint8Array([0x7b, 0x22, 0x66, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    () => JSON.stringify({ ...base, text: 'x'.repeat(BODY_LIMIT) }),
  ];
  return r.pick(mutations)();
}

/** An operation input its schema must reject. */
export function badOperationInput(r: Random): string {
  return r.pick<() => string>([
    // Every operation's schema refuses fields it does not know.
    () => JSON.stringify({ [`unknown_${r.int(1e6)}`]: r.junk(), roomId: r.junk(), bindingId: r.junk() }),
    () => JSON.stringify({ roomId: r.pick([1, [], {}, '', 'has spaces', 'r'.repeat(129)]), unknownToo: true }),
    () => JSON.stringify(r.pick([[], 1, 'text', true])),
    () => `{"roomId": ${r.text(10)}`,
    () => `[${'['.repeat(r.int(50))}`,
    () => JSON.stringify({ content: { type: 'text', text: 'x'.repeat(BODY_LIMIT) } }),
  ])();
}

/** What someone says through the demo flow's say endpoints, wrong in one of many ways. */
export function badSaid(r: Random): string {
  return r.pick<() => string>([
    () => `{"text": ${r.text(10)}`,
    () => JSON.stringify(r.pick([[1], 2, 'text', true, null])),
    () => JSON.stringify({ text: r.pick([1, null, true, [], '']) }),
    () => JSON.stringify({ said: 'no text field' }),
    () => JSON.stringify({ content: r.pick([{ type: 'bogus' }, { type: 'text' }, { type: 'text', text: '' }, 'str', 5]) }),
    () => JSON.stringify({ text: 'x'.repeat(SAY_LIMIT + r.int(1000)) }),
  ])();
}

export interface HostileBody {
  name: string;
  body: string | Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
  /** Appended to the route's path. */
  query?: string;
  /** Over a limit: every route must refuse it with a 4xx (the others only need an answer). */
  overLimit: boolean;
}

const json = { 'content-type': 'application/json' };
const bytes = (buffer: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(buffer);

/** `{"content":{"a":{"a":...1}}}`, `levels` objects deep in all. */
function nestedContent(levels: number): string {
  return `{"content":${'{"a":'.repeat(levels - 1)}1${'}'.repeat(levels)}`;
}

/**
 * Bodies that ended or hung the process before the `http in` guard, and their neighbours: nested
 * past the engine's limit (64) in every form a flow could parse, at the limit (which must pass and
 * survive a Catch node's deep clone), oversized, and compressed to look small.
 */
export function crashingBodies(): HostileBody[] {
  const deep = nestedContent(3000);
  return [
    { name: 'JSON nested 3,000 levels deep (18 KB)', body: deep, headers: json, overLimit: true },
    { name: 'JSON arrays nested 100,000 levels deep', body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`, headers: json, overLimit: true },
    { name: 'JSON nested one level past the limit', body: nestedContent(65), headers: json, overLimit: true },
    { name: 'JSON nested exactly at the limit', body: nestedContent(64), headers: json, overLimit: false },
    { name: 'deep JSON sent as text/plain', body: deep, headers: { 'content-type': 'text/plain' }, overLimit: true },
    { name: 'deep JSON without a content type', body: bytes(Buffer.from(deep)), headers: {}, overLimit: true },
    { name: 'deep JSON as application/vnd.api+json', body: deep, headers: { 'content-type': 'application/vnd.api+json' }, overLimit: true },
    { name: 'deep JSON, gzip-compressed', body: bytes(gzipSync(deep)), headers: { ...json, 'content-encoding': 'gzip' }, overLimit: true },
    {
      name: 'gzip bomb (50 MB of zeros in 50 KB)',
      body: bytes(gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20))),
      headers: { ...json, 'content-encoding': 'gzip' },
      overLimit: true,
    },
    {
      name: 'form keys nested 3,000 levels deep',
      body: `text${'[a]'.repeat(3000)}=1`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      overLimit: true,
    },
    {
      name: 'form keys nested 40 levels deep, percent-encoded',
      body: `text${'%5Ba%5D'.repeat(40)}=1`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      overLimit: true,
    },
    { name: 'over the size limit (2 MB)', body: JSON.stringify({ text: 'x'.repeat(2 * BODY_LIMIT) }), headers: json, overLimit: true },
    { name: 'a query string nested 3,000 levels deep', body: '{"text":"q"}', headers: json, query: `?q${'[a]'.repeat(3000)}=1`, overLimit: false },
    { name: 'an unsupported content encoding', body: '{"text":"br"}', headers: { ...json, 'content-encoding': 'br' }, overLimit: false },
  ];
}

/** The fuzz test's malformed bodies, a few of each generator, for any route. */
export function malformedBodies(seeds: number): HostileBody[] {
  const bodies: HostileBody[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    bodies.push({ name: `malformed webhook body (seed ${seed})`, body: badInbound(random(seed)), headers: json, overLimit: false });
    bodies.push({ name: `malformed operation input (seed ${seed})`, body: badOperationInput(random(seed)), headers: json, overLimit: false });
    bodies.push({ name: `malformed said text (seed ${seed})`, body: badSaid(random(seed)), headers: json, overLimit: false });
  }
  return bodies;
}

/**
 * Sends the headers of a POST whose body claims 1,000 bytes, waits until the server is handling it
 * (Node answers `100 Continue` before it calls the handler), sends part of the body and leaves.
 */
export async function leaveMidBody(url: string, headers: Record<string, string> = {}): Promise<void> {
  const { hostname, port, pathname, search } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const lines = Object.entries({ 'content-type': 'application/json', ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.write(`POST ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n${lines.join('')}Content-Length: 1000\r\nExpect: 100-continue\r\n\r\n`);
  await new Promise((resolve) => socket.once('data', resolve));
  socket.write('{"from":"al');
  socket.destroy();
}
