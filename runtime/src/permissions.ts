// DESIGN.md section 4: the permission table, in one place. Every decision about who receives an
// event, who may see it in history, and whether a write is broadcast is made by these functions.
import type { Binding, RoomEvent, Visibility } from './model';

/** Access values whose binding receives events (table column "the binding receives events"). */
export function canRead(binding: Pick<Binding, 'access'>): boolean {
  return binding.access === 'read_write' || binding.access === 'read_only';
}

/**
 * The write gate: why a binding's own write is stored `blocked` instead of broadcast, or null.
 * Access is checked before mute: a read-only binding's write is `read_only` whether muted or not.
 */
export function writeGate(binding: Pick<Binding, 'access' | 'muted'>): 'read_only' | 'muted' | null {
  if (binding.access === 'read_only' || binding.access === 'none') return 'read_only';
  if (binding.muted) return 'muted';
  return null;
}

/** Whether `reader` passes an event's stamped visibility (ignoring access and status). */
export function passesVisibility(
  reader: Pick<Binding, 'id' | 'channelId' | 'audience'>,
  visibility: Visibility,
  sourceBindingId: string | null,
): boolean {
  if (sourceBindingId !== null && reader.id === sourceBindingId) return true; // a binding always sees its own events
  if (visibility === 'all') return true;
  if (visibility === 'internal') return reader.audience === 'internal';
  if (visibility === 'none') return false;
  return visibility.includes(reader.id) || visibility.includes(reader.channelId);
}

/** Whether an event may be sent to this binding at all: it can read, is not inbound-only, and passes the event's visibility. */
function mayBeSent(event: Pick<RoomEvent, 'visibility' | 'source'>, binding: Binding): boolean {
  return canRead(binding) && binding.direction !== 'inbound' && passesVisibility(binding, event.visibility, event.source.bindingId);
}

/**
 * Targets of an event: bindings that can read, are not the source, have joined (not invited, not
 * left), are not inbound-only, and pass the event's visibility.
 */
export function planTargets(event: Pick<RoomEvent, 'visibility' | 'source' | 'status'>, bindings: Binding[]): Binding[] {
  if (event.status !== 'committed') return [];
  return bindings.filter((b) => b.id !== event.source.bindingId && b.state === 'joined' && mayBeSent(event, b));
}

/**
 * Whether a fallback step may send an event to the person's binding on the next channel: the rules
 * of a broadcast target, except that a binding created for fallback only (`invited`) counts. A
 * binding that left, may not read, only sends, or does not pass the event's visibility is not
 * reached this way either: fallback is another route to the same permissions, not around them.
 */
export function canTakeFallback(event: Pick<RoomEvent, 'visibility' | 'source'>, binding: Binding): boolean {
  return (binding.state === 'joined' || binding.state === 'invited') && mayBeSent(event, binding);
}

/**
 * Whether `reader` is shown `other` as a participant (its presence, name, typing and read
 * receipts): only those whose messages it may see; a participant internal-only or hidden from it,
 * or gone, stays unseen.
 */
export function seesParticipant(reader: Binding, other: Binding): boolean {
  return other.state !== 'left' && canRead(reader) && passesVisibility(reader, other.visibility, other.id);
}

/**
 * History as `reader` may see it: committed events that pass visibility, from a binding that can
 * read (a write-only or no-access binding still sees its own events). Blocked events are never
 * part of anyone's history; only an audit read shows them. A binding that has left keeps its past:
 * its history ends at the index where it left.
 */
export function canSeeInHistory(reader: Binding, event: Pick<RoomEvent, 'index' | 'visibility' | 'source' | 'status'>): boolean {
  if (event.status !== 'committed') return false;
  if (reader.state === 'left' && event.index > (reader.leftAtIndex ?? Number.MAX_SAFE_INTEGER)) return false;
  const own = event.source.bindingId === reader.id;
  if (own) return true;
  return canRead(reader) && passesVisibility(reader, event.visibility, event.source.bindingId);
}
