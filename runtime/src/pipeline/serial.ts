// DESIGN.md section 3 step 4: events of one room are processed strictly in order while rooms run
// in parallel. A queue per key; the entry disappears when the key goes idle.

export class SerialQueues {
  private readonly tails = new Map<string, Promise<unknown>>();

  /**
   * Runs `task` once every task queued before it under `key` has settled. On an idle key it starts
   * at once: the hot paths (a room's write, a delivery's status change) usually find their key
   * idle, and a turn of the microtask queue and two promises per call add up.
   */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    const result = previous ? previous.then(task, task) : start(task);
    this.tails.set(key, result);
    const release = () => {
      if (this.tails.get(key) === result) this.tails.delete(key);
    };
    result.then(release, release);
    return result;
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.tails.size;
  }

  isBusy(key: string): boolean {
    return this.tails.has(key);
  }

  /** Resolves when every queued task has finished. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.allSettled([...this.tails.values()]);
  }
}

/** A task that throws before its first await rejects its promise, as it would have in a `then`. */
function start<T>(task: () => Promise<T>): Promise<T> {
  try {
    return task();
  } catch (error) {
    return Promise.reject(error);
  }
}
