// What a token acting as a binding reads of its room (DESIGN.md section 12: such a client sees the
// room exactly as that binding would). The operations answer staff; for a participant the answer
// is cut to what a participant is shown, as the web chat page is: the others in the room by name,
// channel type and role but not their addresses, identities or metadata; no room metadata (staff
// notes about the customer live there); and of other participants' events, no provider payload
// (`raw` carries the sender's phone number and more) or metadata.
import type { Binding, Room, RoomEvent } from '../model';
import { seesParticipant } from '../permissions';

export function asSeenBy(reader: Binding, operation: string, answer: unknown): unknown {
  if (operation === 'getRoom') {
    const { room, bindings } = answer as { room: Room; bindings: Binding[] };
    return { ...(answer as object), room: { ...room, metadata: {} }, bindings: bindings.filter((b) => b.id === reader.id || seesParticipant(reader, b)).map((b) => (b.id === reader.id ? b : otherParticipant(b))) };
  }
  if (operation === 'getTimeline') {
    const { events } = answer as { events: RoomEvent[] };
    return { ...(answer as object), events: events.map((event) => (event.source.bindingId === reader.id ? event : othersEvent(event))) };
  }
  return answer;
}

function otherParticipant(binding: Binding): Binding {
  const name = binding.metadata.displayName;
  return { ...binding, address: '', identityId: null, metadata: typeof name === 'string' ? { displayName: name } : {} };
}

function othersEvent(event: RoomEvent): RoomEvent {
  return { ...event, source: { ...event.source, identityId: null, raw: null }, metadata: {} };
}
