// A write can lose its room to another writer: on PostgreSQL another engine wrote the room since this
// one loaded it, or holds its row right now. The store then refuses the write set whole and the room's
// cached state is dropped, so the step that built it can run again from a fresh load. Engines racing
// for one room take turns through exponential backoff with jitter instead of colliding in lockstep.
import { RoomwireError, WriteConflict } from '../errors';

/** Tries of one write that keeps losing its room to other writers. */
const WRITE_ATTEMPTS = 30;

export function isStoreRefusal(error: unknown): boolean {
  return error instanceof WriteConflict;
}

export function isConflict(error: unknown): boolean {
  return error instanceof RoomwireError && error.code === 'conflict';
}

/**
 * Runs `attempt` until it is not refused in a way `retryable` recognises, or the tries run out.
 * Not an async function: every write waits here for its commit, and a suspended async frame per
 * write (a generator, a promise, closures) lived that long for the garbage collector to copy.
 */
export function retryRefusedWrites<T>(attempt: (retrying: boolean) => Promise<T>, retryable: (error: unknown) => boolean = isStoreRefusal): Promise<T> {
  const tryNumber = (tries: number): Promise<T> => {
    let tried: Promise<T>;
    try {
      tried = attempt(tries > 1);
    } catch (error) {
      tried = Promise.reject(error);
    }
    return tried.then(undefined, (error: unknown) => {
      if (tries >= WRITE_ATTEMPTS || !retryable(error)) throw error;
      return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 2 ** tries))).then(() => tryNumber(tries + 1));
    });
  };
  return tryNumber(1);
}
