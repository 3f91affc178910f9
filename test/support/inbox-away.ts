// The agent inbox of an engine whose change feed can be sent away: engines A and B on one
// PostgreSQL database, the inbox served by B, customers writing through A. While B's listener is
// away and the log rows it missed are pruned, B never hears what A committed and resyncs when it
// listens again.
import { Engine, type PostgresStore, type RoomEvent } from '../../runtime/src';
import type { AgentCredentials } from '../../nodes/lib/inbox/accounts';
import { pruneChangeLog, storeWithAwayListener } from './away-listener';
import { customerRoom, registerInboxChannels, serveInbox, type InboxServer } from './inbox-server';
import { dropSchema, freshSchema, postgresStore } from './postgres';
import { until } from './wait';

export interface AwayInbox {
  /** The engine customers write through. */
  a: Engine;
  /** The engine serving the inbox. */
  b: Engine;
  inbox: InboxServer;
  /** A new room with one web chat customer, created on A: the customer's way to write. */
  customerRoom(roomId: string, name: string): Promise<(text: string) => Promise<Pick<RoomEvent, 'id' | 'index'>>>;
  /** B's listener away while `meanwhile` commits on A, the log rows it missed pruned, then back: B has resynced. */
  awayWhile<T>(meanwhile: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function engineWithChannels(store: PostgresStore): Promise<Engine> {
  const engine = await Engine.open({ store });
  await registerInboxChannels(engine);
  return engine;
}

export async function inboxOnAwayEngine(credentials: AgentCredentials): Promise<AwayInbox> {
  const schema = freshSchema();
  const a = await engineWithChannels(postgresStore(schema));
  const away = storeWithAwayListener(schema);
  const b = await engineWithChannels(away.store);
  const heardByB = new Set<string>();
  b.subscribe((n) => void (n.kind === 'event' && heardByB.add(n.event.id)));
  let lastOfA: string | null = null;
  const inbox = await serveInbox(b, credentials);
  return {
    a,
    b,
    inbox,
    async customerRoom(roomId, name) {
      const says = await customerRoom(a, roomId, name);
      return async (text) => {
        const event = await says(text);
        lastOfA = event.id;
        return event;
      };
    },
    async awayWhile(meanwhile) {
      // A listener that heard nothing cannot tell that it missed something.
      await until(() => lastOfA !== null && heardByB.has(lastOfA), "B hearing A's last message");
      await away.goAway();
      const committed = await meanwhile();
      await pruneChangeLog(schema);
      await away.comeBack();
      return committed;
    },
    async close() {
      await inbox.close();
      await b.close();
      await a.close();
      await dropSchema(schema);
    },
  };
}
