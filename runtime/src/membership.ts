// Binding membership (DESIGN.md section 2: `invited` → `joined` → `left`). An invited binding
// receives nothing until it joins (permissions.ts planTargets); a left binding receives nothing and
// its writes are refused. Leaving is final unless someone rejoins it explicitly (rejoinBinding).
// Channels that cannot accept an invitation (`info.autoJoin: true`) join their invited bindings at once.
import { RoomwireError } from './errors';
import type { Binding, BindingState, Channel } from './model';

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
