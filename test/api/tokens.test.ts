// API tokens as configured on the engine node: a malformed list is refused naming the entry and
// field; a token is found whatever its position and length; an unknown or missing one is 401.
import { describe, expect, it } from 'vitest';
import { parseApiTokens } from '../../runtime/src';
import { TokenTable } from '../../runtime/src/api/tokens';
import { configuredTokens } from '../../nodes/lib/api-surfaces';

const good = { token: 'a-token-of-16-chars', scope: 'read' };

describe('parseApiTokens', () => {
  it('accepts a JSON list of tokens with one scope or several', () => {
    expect(parseApiTokens(JSON.stringify([good, { token: 'another-token-0123', scope: ['write', 'audit'], binding: 'b1', ratePerMinute: 10 }]))).toHaveLength(2);
    expect(parseApiTokens('')).toEqual([]);
  });

  it('names the entry and field at fault', () => {
    const cases: [unknown, string][] = [
      ['not json', 'apiTokens'],
      [{ token: 'x' }, 'apiTokens'],
      [[good, { token: 'short', scope: 'read' }], 'apiTokens[1].token'],
      [[{ ...good, scope: 'admin' }], 'apiTokens[0].scope'],
      [[{ ...good, scope: [] }], 'apiTokens[0].scope'],
      [[{ ...good, binding: '' }], 'apiTokens[0].binding'],
      [[{ ...good, ratePerMinute: 0 }], 'apiTokens[0].ratePerMinute'],
    ];
    for (const [value, field] of cases) {
      expect(() => parseApiTokens(typeof value === 'string' ? value : JSON.stringify(value)), field).toThrow(expect.objectContaining({ field }));
    }
  });
});

describe('TokenTable', () => {
  const table = new TokenTable([good, { token: 'second-token-0123456789-longer', scope: 'write', name: 'second' }] as never);

  it('finds each token, whatever its length or position', () => {
    expect(table.authenticate('Bearer a-token-of-16-chars').scopes.has('read')).toBe(true);
    expect(table.authenticate('Bearer second-token-0123456789-longer').id).toBe('second');
  });

  it('answers 401 to a missing, malformed, unknown or prefix token', () => {
    for (const header of [undefined, '', 'a-token-of-16-chars', 'Basic a-token-of-16-chars', 'Bearer a-token-of-16-char', 'Bearer a-token-of-16-charsX']) {
      expect(() => table.authenticate(header), String(header)).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    }
    expect(() => new TokenTable([]).authenticate('Bearer a-token-of-16-chars')).toThrow(/no token is configured/);
  });

  it('refuses two tokens of one name, naming the second: sessions, rate limits and idempotency keys are kept per name', () => {
    const read = { token: 'app-read-token-0123456789', scope: 'read', name: 'support-app' };
    const write = { token: 'app-write-token-0123456789', scope: 'write', name: 'support-app' };
    expect(() => new TokenTable([read, write] as never)).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'apiTokens[1].name' }));
    // An unnamed token is `token-<position>`; a token named so elsewhere in the list clashes with it.
    expect(() => new TokenTable([good, { ...write, name: 'token-1' }] as never)).toThrow(expect.objectContaining({ field: 'apiTokens[1].name' }));
    expect(new TokenTable([read, { ...write, name: 'support-app-writer' }] as never).size).toBe(2);
    // The engine node checks its list when it starts, where it can say so, with the older single token in it.
    expect(() => configuredTokens({ apiTokens: JSON.stringify([{ ...read, name: 'apiToken' }]), apiToken: 'the-older-single-token' })).toThrow(
      expect.objectContaining({ field: 'apiTokens[1].name' }),
    );
  });
});
