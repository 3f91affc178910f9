// A node status that can change with every message: shown at most once per interval, the latest
// one last, its text built only when shown; a failure shows at once and nothing stale replaces it.
import { EventEmitter } from 'node:events';
import type { Node, NodeStatus } from 'node-red';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { STATUS_INTERVAL_MS, nodeStatus } from '../../nodes/lib/node-status';

/** A node as far as its status goes: what it showed, and its close event. */
function fakeNode() {
  const shown: NodeStatus[] = [];
  const node = Object.assign(new EventEmitter(), { status: (status: NodeStatus) => shown.push(status) });
  return { node: node as unknown as Node, shown, close: () => node.emit('close') };
}

const text = (value: string) => (): NodeStatus => ({ fill: 'green', shape: 'dot', text: value });

describe('a node status that changes with every message', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows the first change at once, then at most one per interval: the latest', () => {
    const { node, shown } = fakeNode();
    const status = nodeStatus(node);
    status.often(text('message 1'));
    expect(shown.map((s) => s.text)).toEqual(['message 1']);

    const built: string[] = [];
    for (let i = 2; i <= 1000; i++) {
      status.often(() => {
        built.push(`message ${i}`);
        return text(`message ${i}`)();
      });
    }
    expect(shown).toHaveLength(1);
    vi.advanceTimersByTime(STATUS_INTERVAL_MS);
    expect(shown.map((s) => s.text)).toEqual(['message 1', 'message 1000']);
    // Only the status shown had its text built.
    expect(built).toEqual(['message 1000']);

    // After a quiet interval the next change shows at once again.
    vi.advanceTimersByTime(STATUS_INTERVAL_MS);
    status.often(text('message 1001'));
    expect(shown.at(-1)?.text).toBe('message 1001');
  });

  it('shows a failure at once, and drops the change that was waiting', () => {
    const { node, shown } = fakeNode();
    const status = nodeStatus(node);
    status.often(text('sent #1'));
    status.often(text('sent #2'));
    status.now({ fill: 'red', shape: 'ring', text: 'the room is gone' });
    expect(shown.map((s) => s.text)).toEqual(['sent #1', 'the room is gone']);
    vi.advanceTimersByTime(10 * STATUS_INTERVAL_MS);
    expect(shown.at(-1)?.text).toBe('the room is gone');
  });

  it('is one channel per node, so the failures handled for all its inputs keep its order', () => {
    const { node } = fakeNode();
    expect(nodeStatus(node)).toBe(nodeStatus(node));
    expect(nodeStatus(fakeNode().node)).not.toBe(nodeStatus(node));
  });

  it('shows nothing after the node has closed', () => {
    const { node, shown, close } = fakeNode();
    const status = nodeStatus(node);
    status.often(text('message 1'));
    status.often(text('message 2'));
    close();
    vi.advanceTimersByTime(10 * STATUS_INTERVAL_MS);
    expect(shown.map((s) => s.text)).toEqual(['message 1']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
