// Which store an engine config node opens: "SQLite file" (the default, no set-up) or "PostgreSQL"
// (a connection string kept as a credential, and a pool size), for several Node-RED instances on
// one database. The claim key is what two engine nodes of one Node-RED may not share.
import { PostgresStore, type Store } from '@roomwire/runtime';

export type StoreKind = 'sqlite' | 'postgres';

export const DEFAULT_POOL_SIZE = 10;

export interface StoreChoice {
  /** The SQLite file, or the PostgreSQL URL without its password: one engine node per key. */
  key: string;
  /** Absent: the engine opens the SQLite file `key`. */
  store?: Store;
}

export interface StoreSettings {
  store?: string;
  poolSize?: string | number;
}

/** Throws (`translate`d, naming the field) when PostgreSQL is chosen without a usable connection string. */
export function chooseStore(
  settings: StoreSettings,
  postgresUrl: string | undefined,
  sqlitePath: string,
  onError: (error: unknown) => void,
  translate: (key: string) => string,
): StoreChoice {
  if ((settings.store ?? 'sqlite') !== 'postgres') return { key: sqlitePath };
  const url = postgresUrl?.trim() || process.env.ROOMWIRE_POSTGRES_URL || '';
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(translate('roomwire-engine.errors.postgres-url'));
  const pool = Number(settings.poolSize);
  const store = new PostgresStore({
    connectionString: url,
    poolSize: Number.isInteger(pool) && pool > 0 ? pool : DEFAULT_POOL_SIZE,
    onError,
  });
  return { key: store.path, store };
}
