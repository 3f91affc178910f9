// An engine's PostgreSQL change-feed listener sent away while other engines commit: its LISTEN
// connection is cut as a network failure would cut it, and it may listen again only when the test
// says so, so nothing the test commits or prunes meanwhile races its catch-up.
import type { PostgresStore } from '../../runtime/src';
import { pgQuery, postgresStore } from './postgres';
import { until } from './wait';

export interface AwayListener {
  /** The store to open the engine with. */
  store: PostgresStore;
  /** Cuts the listener of the opened store; resolves once the store reported the lost connection. */
  goAway(): Promise<void>;
  /** Lets it listen again; resolves once it caught up (or resynced) and handed everything on. */
  comeBack(): Promise<void>;
}

export function storeWithAwayListener(schema: string): AwayListener {
  const errors: unknown[] = [];
  const store = postgresStore(schema, { onError: (error) => errors.push(error) });
  let letBack: () => void = () => undefined;
  let restarted = false;
  return {
    store,
    async goAway() {
      // The feed exists once the store is open; its own `start` is what listens again.
      const feed = store.changes;
      const start = feed.start.bind(feed);
      const back = new Promise<void>((resolve) => (letBack = resolve));
      restarted = false;
      feed.start = async () => {
        await back;
        await start();
        restarted = true;
      };
      const reported = errors.length;
      await pgQuery(schema, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1', [`LISTEN "${feed.channel}"`]);
      await until(() => errors.length > reported, 'the listener reporting the lost connection');
    },
    async comeBack() {
      letBack();
      await until(() => restarted, 'the listener listening again');
      await store.changes.settled();
    },
  };
}

/** Deletes the change log as its prune does, oldest first: here every row, the ones a listener missed included. */
export async function pruneChangeLog(schema: string): Promise<void> {
  await pgQuery(schema, 'DELETE FROM change_payloads WHERE created_at <= now()');
}
