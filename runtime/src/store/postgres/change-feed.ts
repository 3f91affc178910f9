// The change feed on PostgreSQL (DESIGN.md section 13): a dedicated connection LISTENs on the
// database's channel; each notice names what one transaction of another engine committed (ids,
// never bodies), or points at a `change_payloads` row when the ids would not fit in a NOTIFY.
// Notices are handed to subscribers one at a time, in commit order.
import { Client, type ClientConfig, type Pool } from 'pg';
import type { Change, ChangeFeed } from '../store';

type Listener = (change: Change) => Promise<void> | void;

export class PostgresChangeFeed implements ChangeFeed {
  private client: Client | null = null;
  private readonly listeners = new Set<Listener>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

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
    // A lost connection loses notices: caches stay safe (the compare-and-set refuses stale
    // writes) and the scheduler still polls; it is reported and the feed reconnects.
    client.on('error', (error) => {
      this.onError(error);
      void this.reconnect();
    });
    await client.query(`LISTEN "${this.channel}"`);
    this.client = client;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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

  private async reconnect(): Promise<void> {
    await this.client?.end().catch(() => undefined);
    this.client = null;
    while (!this.closed) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (this.closed) return;
      try {
        await this.start();
        return;
      } catch (error) {
        this.onError(error);
      }
    }
  }

  private receive(payload: string): void {
    this.chain = this.chain.then(async () => {
      try {
        const notice = JSON.parse(payload) as Change | { origin: string; ref: string };
        if (notice.origin === this.origin || this.listeners.size === 0) return;
        const change = 'ref' in notice ? await this.stored(notice.ref) : notice;
        if (!change) return;
        for (const listener of this.listeners) await listener(change);
      } catch (error) {
        this.onError(error);
      }
    });
  }

  private async stored(ref: string): Promise<Change | null> {
    const { rows } = await this.pool.query<{ payload: string }>('SELECT payload FROM change_payloads WHERE id = $1', [ref]);
    return rows[0] ? (JSON.parse(rows[0].payload) as Change) : null;
  }
}
