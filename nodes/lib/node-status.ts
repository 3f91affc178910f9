// The status of a node whose status can change with every message (the message just emitted, the
// event just sent, the hook requests pending). Such a status is shown at most once per
// STATUS_INTERVAL_MS, the latest one at the end of the interval, and its text is built only when
// it is shown: at thousands of messages a second, building each text from the message catalogue
// (i18next) and sending it to every open editor took a third of a flow's main thread. A status
// that must show now (a failure) replaces any status still waiting.
import type { Node, NodeStatus } from 'node-red';

export const STATUS_INTERVAL_MS = 250;

export interface NodeStatusChannel {
  /** Shows this status now, or the latest one given when the interval since the last has passed. */
  often(status: () => NodeStatus): void;
  /** Shows this status now; a status still waiting is dropped. */
  now(status: NodeStatus): void;
}

const channels = new WeakMap<Node, NodeStatusChannel>();

/** The node's one status channel: every status of a node that uses it goes through it, in order. */
export function nodeStatus(node: Node): NodeStatusChannel {
  let channel = channels.get(node);
  if (!channel) {
    channel = throttled(node);
    channels.set(node, channel);
  }
  return channel;
}

function throttled(node: Node): NodeStatusChannel {
  let shownAt = -Infinity;
  let waiting: (() => NodeStatus) | null = null;
  let timer: NodeJS.Timeout | null = null;
  const show = (status: NodeStatus) => {
    shownAt = Date.now();
    node.status(status);
  };
  const drop = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    waiting = null;
  };
  const showWaiting = () => {
    timer = null;
    const status = waiting;
    waiting = null;
    if (status) show(status());
  };
  node.on('close', drop);
  return {
    often(status) {
      waiting = status;
      if (timer) return;
      const wait = shownAt + STATUS_INTERVAL_MS - Date.now();
      if (wait <= 0) showWaiting();
      else timer = setTimeout(showWaiting, wait);
    },
    now(status) {
      drop();
      show(status);
    },
  };
}
