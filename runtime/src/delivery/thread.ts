// The conversation a delivery continues (`OutboundMessage.thread`): the provider message ids of
// what the participant wrote in the room and of what was delivered to them, oldest first. Email
// threads a reply with them (In-Reply-To, References). Read backwards from the event being sent,
// over a bounded stretch of the timeline, so a long room costs no more than a recent one.
import type { Store } from '../store/store';
import type { RoomEvent } from '../model';
import type { ThreadEntry } from '../providers/contract';

/** Timeline events read backwards at most, and thread entries kept at most (the newest). */
const SCAN_EVENTS = 200;
const MAX_ENTRIES = 50;

export async function conversationThread(store: Store, event: RoomEvent, bindingId: string): Promise<ThreadEntry[]> {
  if (event.index === 0) return [];
  const earlier = await store.listEvents(event.roomId, { fromIndex: event.index - 1, descending: true, limit: SCAN_EVENTS });
  const newestFirst: ThreadEntry[] = [];
  for (const past of earlier) {
    if (newestFirst.length >= MAX_ENTRIES) break;
    if (past.type !== 'message' || past.status !== 'committed') continue;
    if (past.source.bindingId === bindingId) {
      if (past.source.providerMessageId) newestFirst.push({ providerMessageId: past.source.providerMessageId, direction: 'inbound', metadata: past.metadata });
      continue;
    }
    const sent = (await store.listDeliveriesForEvent(past.id)).filter((d) => d.bindingId === bindingId && d.providerMessageId);
    // Parts of one event went out in order; newest first means the last part first.
    for (const delivery of sent.reverse()) newestFirst.push({ providerMessageId: delivery.providerMessageId!, direction: 'outbound', metadata: past.metadata });
  }
  return newestFirst.slice(0, MAX_ENTRIES).reverse();
}
