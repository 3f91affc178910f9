// Binding membership (DESIGN.md section 2: `invited` → `joined` → `left`). An invited binding
// receives nothing until it joins (permissions.ts planTargets); a left binding receives nothing and
// its writes are refused. Leaving is final unless someone rejoins it explicitly (rejoinBinding).
// Channels that cannot accept an invitation (`info.autoJoin: true`) join their invited bindings at once.
// A channel with `info.joinsNewRooms: {address, displayName?}` has a standing participant (an AI
// assistant, a recorder) bound in every room created while the channel is registered.
import type { ChannelRegistry } from './channels';
import { RoomwireError } from './errors';
import type { Binding, BindingState, Channel, JsonObject } from './model';

/** Membership changes `updateBinding` makes; `left` → `joined` needs `rejoinBinding`. */
const TRANSITIONS: Record<BindingState, readonly BindingState[]> = {
  invited: ['joined', 'left'],
  joined: ['left'],
  left: [],
};

/** The state a new binding starts in: `invited` becomes `joined` on a channel with `info.autoJoin`. */
export function initialBindingState(channel: Channel, requested: BindingState | undefined): BindingState {
  const state = requested ?? 'joined';
  return state === 'invited' && channel.info.autoJoin === true ? 'joined' : state;
}

/**
 * Refuses a change to a binding that has left (unless it is the explicit rejoin) and a membership
 * change the state machine does not allow, naming the field.
 */
export function checkMembershipChange(before: Binding, next: BindingState | undefined, options: { rejoin?: boolean } = {}): void {
  if (before.state === 'left') {
    if (options.rejoin && next === 'joined') return;
    throw new RoomwireError(
      'forbidden',
      `binding ${before.id} has left the room; rejoin it explicitly (rejoinBinding) before changing it`,
      'bindingId',
    );
  }
  if (options.rejoin) throw new RoomwireError('conflict', `binding ${before.id} has not left the room (it is ${before.state})`, 'bindingId');
  if (next === undefined || next === before.state) return;
  if (!TRANSITIONS[before.state].includes(next)) {
    throw new RoomwireError('conflict', `a binding cannot go from ${before.state} to ${next}`, 'state');
  }
}

export interface StandingParticipant {
  channelId: string;
  address: string;
  displayName?: string;
}

/** Refuses a `joinsNewRooms` setting that is not `{address, displayName?}`, naming the field. */
export function checkStandingParticipant(info: JsonObject): void {
  const joins = info.joinsNewRooms;
  if (joins === undefined) return;
  const spec = joins as { address?: unknown; displayName?: unknown } | null;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new RoomwireError('invalid_input', 'must be an object {address, displayName?}', 'info.joinsNewRooms');
  if (typeof spec.address !== 'string' || spec.address.trim() === '' || spec.address.length > 256) {
    throw new RoomwireError('invalid_input', 'must be a non-empty string of at most 256 characters', 'info.joinsNewRooms.address');
  }
  if (spec.displayName !== undefined && (typeof spec.displayName !== 'string' || spec.displayName.length > 256)) {
    throw new RoomwireError('invalid_input', 'must be a string of at most 256 characters', 'info.joinsNewRooms.displayName');
  }
}

/**
 * The standing participants a new room gets, in channel registration order: one per channel with
 * `joinsNewRooms`, unless the room is being created with a participant of that channel already
 * (who then speaks for it).
 */
export function standingParticipants(channels: ChannelRegistry, requested: readonly { channelId: string }[]): StandingParticipant[] {
  const out: StandingParticipant[] = [];
  for (const { channel } of channels.list()) {
    const joins = channel.info.joinsNewRooms as { address?: unknown; displayName?: unknown } | undefined;
    if (!joins || typeof joins.address !== 'string' || requested.some((b) => b.channelId === channel.id)) continue;
    out.push({ channelId: channel.id, address: joins.address, ...(typeof joins.displayName === 'string' && joins.displayName ? { displayName: joins.displayName } : {}) });
  }
  return out;
}
