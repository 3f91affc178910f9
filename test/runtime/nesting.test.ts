// The engine's nesting limit, checked on raw bodies and parsed values without recursion: what the
// `http in` guard uses to refuse a body before a flow (and Node-RED's recursive deep clone) sees it.
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, jsonNestsDeeperThan, valueNestsDeeperThan } from '../../runtime/src';

const nested = (levels: number) => `${'{"a":['.repeat(levels / 2)}1${']}'.repeat(levels / 2)}`;

describe('a body nested deeper than the engine accepts', () => {
  it('is found in raw JSON exactly at the limit the engine validates with', () => {
    expect(MAX_JSON_DEPTH).toBe(64);
    expect(jsonNestsDeeperThan(nested(64))).toBe(false);
    expect(jsonNestsDeeperThan(nested(66))).toBe(true);
    expect(jsonNestsDeeperThan(`${'['.repeat(64)}${']'.repeat(64)}`)).toBe(false);
    expect(jsonNestsDeeperThan(`${'['.repeat(65)}${']'.repeat(65)}`)).toBe(true);
    expect(jsonNestsDeeperThan(Buffer.from(nested(66)), 100)).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const inString = JSON.stringify({ text: `${'['.repeat(500)}"\\${'{'.repeat(500)}` });
    expect(jsonNestsDeeperThan(inString)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ 'k"[[[': ['é', '\u2028', { x: '\\' }] }))).toBe(false);
  });

  it('takes a million levels without running out of stack', () => {
    expect(jsonNestsDeeperThan('['.repeat(1_000_000))).toBe(true);
    let value: unknown = 1;
    for (let i = 0; i < 1_000_000; i++) value = [value];
    expect(valueNestsDeeperThan(value)).toBe(true);
  });

  it('is found in parsed values at the same limit', () => {
    expect(valueNestsDeeperThan(JSON.parse(nested(64)))).toBe(false);
    expect(valueNestsDeeperThan(JSON.parse(nested(66)))).toBe(true);
    expect(valueNestsDeeperThan('a string')).toBe(false);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(valueNestsDeeperThan(circular)).toBe(false);
  });
});
