// What a node puts into msg is a copy: a flow that changes it cannot change the engine's record.
// Engine records (plain objects and arrays) are copied by hand; other values as structuredClone
// copies them.
import { describe, expect, it } from 'vitest';
import { plain } from '../../nodes/lib/input';

const event = {
  id: 'evt_1',
  index: 3,
  source: { bindingId: 'bnd_1', channelId: 'sms', providerMessageId: null },
  content: { type: 'rich', parts: [{ type: 'text', text: 'hi' }, { type: 'buttons', buttons: [{ title: 'Yes' }] }] },
  metadata: { unset: undefined },
};

describe('a copy for msg', () => {
  it('is equal to the record and shares no object with it', () => {
    const copy = plain(event);
    expect(copy).toStrictEqual(event);
    copy.source.channelId = 'changed';
    copy.content.parts[1]!.buttons![0]!.title = 'changed';
    copy.content.parts.push({ type: 'text', text: 'added' });
    expect(event.source.channelId).toBe('sms');
    expect(event.content.parts[1]!.buttons![0]!.title).toBe('Yes');
    expect(event.content.parts).toHaveLength(2);
  });

  it("copies a flow's own values as structuredClone does: dates, buffers, cycles", () => {
    const when = new Date('2026-11-30T06:00:00Z');
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const copy = plain({ when, bytes: new Uint8Array([1, 2]), cyclic });
    expect(copy.when).toBeInstanceOf(Date);
    expect(copy.when).not.toBe(when);
    expect(copy.when.getTime()).toBe(when.getTime());
    expect(copy.bytes).toEqual(new Uint8Array([1, 2]));
    expect((copy.cyclic as Record<string, unknown>).self).toBe(copy.cyclic);
    expect(copy.cyclic).not.toBe(cyclic);
  });

  it('refuses a function, as structuredClone does', () => {
    expect(() => plain({ payload: { run: () => 1 } })).toThrow();
    expect(plain({ payload: { run: 1 } })).toEqual({ payload: { run: 1 } });
  });
});
