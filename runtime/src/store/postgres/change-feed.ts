// The change feed on PostgreSQL (DESIGN.md section 13): every transaction of an engine logs what
// it committed (ids, never bodies) in `change_payloads` and sends the row's id and its origin
// with a NOTIFY, with the ids inline when they fit. A dedicated connection LISTENs on the database's channel;
// notices are handed to subscribers one at a time, in commit order, each once.
//
// NOTIFY is lost while the LISTEN connection is down, so on reconnect the feed first listens
// again, then reads the log rows it has not seen: nothing committed in between is missed. A
// row's id is taken just before its transaction commits, so ids arrive nearly but not exactly
// in order: the feed remembers the ids it saw during the last CATCH_UP_WINDOW_MS and reads from
// the highest id it saw before that window. The log is pruned: when rows the feed never received
// may have gone with it (change-log-times.ts), it hands its subscribers a resync before the rows
// that are left.
//
// Signals (someone typing) are never stored: they go on the same channel as `signal <origin>
// <signal as JSON>`, outside any transaction, and are handed on as they arrive, never caught up.
import { Client, type ClientConfig, type Pool } from 'pg';
import type { Change, ChangeFeed, Resync, TypingSignal } from '../store';
import { CATCH_UP_WINDOW_MS, mayHaveMissedRows } from './change-log-times';

type Listener = (notice: Change | Resync) => Promise<void> | void;
type SignalListener = (signal: TypingSignal) => void;
const SIGNAL = 'signal';
/** Between two attempts to listen again. */
const RECONNECT_DELAY_MS = 1000;

export class PostgresChangeFeed implements ChangeFeed {
  private client: Client | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly signalListeners = new Set<SignalListener>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private reconnecting = false;
  /** Log ids received during the window, with when (insertion order is receive order). */
  private readonly seen = new Map<number, number>();
  /** Every log row up to this id was received or is older than this engine's start. */
  private horizon: number | null = null;
  /** The highest log id received or read at start (null: none yet). */
  private newestHeard: number | null = null;
  /** When the LISTEN connection was lost (this process's clock). */
  private lostAt = 0;

  constructor(
    private readonly config: ClientConfig,
    private readonly pool: Pool,
    readonly channel: string,
    readonly origin: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  async start(): Promise<void> {
    const client = new Client(this.config);
    await client.connect();
    client.on('notification', (message) => {
      if (message.channel === this.channel && message.payload) this.receive(message.payload);
    });
    client.on('error', (error) => {
      this.onError(error);
      void this.reconnect(client);
    });
    const listening = client.query(`LISTEN "${this.channel}"`);
    // Queued before any notice this connection can deliver: the rows missed come first, in order.
    const caughtUp = listening.then(() => (this.horizon === null ? this.startHorizon() : this.catchUp()));
    this.chain = this.chain.then(() => caughtUp.catch((error: unknown) => this.onError(error)));
    await listening;
    this.client = client;
    await caughtUp;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subscribeSignals(listener: SignalListener): () => void {
    this.signalListeners.add(listener);
    return () => this.signalListeners.delete(listener);
  }

  async signal(signal: TypingSignal): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [this.channel, `${SIGNAL} ${this.origin} ${JSON.stringify(signal)}`]);
  }

  /** Resolves once every notice received so far has been handed to the subscribers. */
  settled(): Promise<void> {
    return this.chain;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  private async reconnect(lost: Client): Promise<void> {
    // A dying connection may report more than one error: one reconnection.
    if (this.reconnecting || this.closed) return;
    this.reconnecting = true;
    this.client = null;
    this.lostAt = Date.now();
    await lost.end().catch(() => undefined);
    try {
      while (!this.closed) {
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
        if (this.closed) return;
        try {
          await this.start();
          return;
        } catch (error) {
          this.onError(error);
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  /**
   * First start: what was committed before it is in the tables the engine reads, not news. The
   * rows of the last window are remembered one by one rather than passed with a horizon, so a
   * transaction still in flight now, whose id is lower than theirs, is heard when it commits.
   */
  private async startHorizon(): Promise<void> {
    const window = `now() - make_interval(secs => ${CATCH_UP_WINDOW_MS / 1000})`;
    const older = await this.pool.query<{ id: string | null }>(`SELECT max(id) AS id FROM change_payloads WHERE created_at < ${window}`);
    const horizon = Number(older.rows[0]?.id ?? 0);
    const recent = await this.pool.query<{ id: string }>('SELECT id FROM change_payloads WHERE id > $1 ORDER BY id', [horizon]);
    this.horizon = horizon;
    if (horizon > 0) this.newestHeard = horizon;
    for (const row of recent.rows) this.firstSight(Number(row.id));
  }

  /** The rows committed while the connection was down, in id order, each once; a resync first if some may be gone. */
  private async catchUp(): Promise<void> {
    const { rows } = await this.pool.query<{ id: string; origin: string; payload: string }>(
      'SELECT id, origin, payload FROM change_payloads WHERE id > $1 AND origin <> $2 ORDER BY id',
      [this.horizon, this.origin],
    );
    // Checked after the rows were read: a prune in between errs towards a resync, never a miss.
    const newestHeardGone = this.newestHeard !== null && !(await this.logged(this.newestHeard));
    const awayMs = Date.now() - this.lostAt;
    if (mayHaveMissedRows({ awayMs, newestHeardGone })) await this.hand({ resync: true, awayMs });
    // Nothing expires while the rows are handed: a row heard before the outage and older than the
    // window would move the horizon past the missed rows still to come in this loop.
    for (const row of rows) {
      if (!this.firstSight(Number(row.id), false)) continue;
      await this.hand(JSON.parse(row.payload) as Change);
    }
    this.expireSeen(Date.now());
  }

  /** Notices are `<log id> <origin>`, then ` <change as JSON>` when it fits; signals `signal <origin> <JSON>`. */
  private receive(payload: string): void {
    if (payload.startsWith(`${SIGNAL} `)) {
      this.receiveSignal(payload);
      return;
    }
    this.chain = this.chain.then(async () => {
      try {
        const [idText, origin, ...rest] = payload.split(' ');
        if (!this.firstSight(Number(idText)) || origin === this.origin || this.listeners.size === 0) return;
        const change = rest.length > 0 ? (JSON.parse(rest.join(' ')) as Change) : await this.stored(Number(idText));
        if (change) await this.hand(change);
      } catch (error) {
        this.onError(error);
      }
    });
  }

  private receiveSignal(payload: string): void {
    const [, origin, ...rest] = payload.split(' ');
    if (origin === this.origin) return;
    try {
      const signal = JSON.parse(rest.join(' ')) as TypingSignal;
      for (const listener of this.signalListeners) listener(signal);
    } catch (error) {
      this.onError(error);
    }
  }

  /** True the first time an id is seen; then (unless told not to) moves the horizon past ids seen before the window. */
  private firstSight(id: number, expire = true): boolean {
    if (this.horizon !== null && id <= this.horizon) return false;
    if (this.seen.has(id)) return false;
    this.newestHeard = Math.max(this.newestHeard ?? id, id);
    const now = Date.now();
    this.seen.set(id, now);
    if (expire) this.expireSeen(now);
    return true;
  }

  /** Ids seen before the window are forgotten; the horizon moves past them. */
  private expireSeen(now: number): void {
    for (const [old, at] of this.seen) {
      if (at > now - CATCH_UP_WINDOW_MS) break;
      this.horizon = Math.max(this.horizon ?? 0, old);
      this.seen.delete(old);
    }
  }

  private async hand(notice: Change | Resync): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(notice);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  private async logged(id: number): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT 1 FROM change_payloads WHERE id = $1', [id]);
    return rows.length > 0;
  }

  private async stored(id: number): Promise<Change | null> {
    const { rows } = await this.pool.query<{ payload: string }>('SELECT payload FROM change_payloads WHERE id = $1', [id]);
    return rows[0] ? (JSON.parse(rows[0].payload) as Change) : null;
  }
}
