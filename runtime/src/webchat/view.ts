// What one web chat binding is shown: its room's events as it may see them (the history rule of
// DESIGN.md section 4, never the audit view), projected to what a page needs, and the signals
// (typing, read receipts) of the participants whose messages it may see.
import type { Binding, RoomEvent } from '../model';
import { canSeeInHistory, seesParticipant } from '../permissions';

/** An event as the chat page receives it: no provider payload, no metadata of other participants. */
export interface PageEvent {
  id: string;
  index: number;
  type: RoomEvent['type'];
  content: RoomEvent['content'];
  createdAt: string;
  from: { own: boolean; bindingId: string | null; channelType: string | null; name: string | null };
  reply?: { eventId: string; title: string };
  /** Of the page's own messages in history: the furthest delivery status any recipient reached. */
  status?: string;
}

export function pageEvent(event: RoomEvent, reader: Binding, bindings: ReadonlyMap<string, Binding>): PageEvent {
  const sourceId = event.source.bindingId;
  const source = sourceId ? bindings.get(sourceId) : undefined;
  const name = source?.metadata.displayName;
  return {
    id: event.id,
    index: event.index,
    type: event.type,
    content: event.content,
    createdAt: event.createdAt,
    from: { own: sourceId === reader.id, bindingId: sourceId, channelType: source?.channelType ?? null, name: typeof name === 'string' ? name : null },
    ...(event.reply ? { reply: { eventId: event.reply.eventId, title: event.reply.title } } : {}),
  };
}

export const visibleToReader = canSeeInHistory;

/**
 * Whether `reader` is told that `other` is typing or has read: only about participants whose
 * messages it may see (an internal-only or hidden participant stays unseen), never about itself.
 */
export function signalVisible(reader: Binding, other: Binding | undefined): boolean {
  return other !== undefined && other.id !== reader.id && seesParticipant(reader, other);
}
