// The participants a `room` node lists in its editor: a channel node and an address each, with
// the participant's audience, access, mute and visibility. Turned into the binding specs the
// `createRoom` and `attachBinding` operations take (which validate the values and name the field).
import type { NodeAPI } from 'node-red';
import { configuredChannelId } from './channel-config';
import { defined, fieldError } from './input';

export interface ParticipantSetting {
  /** A `roomwire-channel` config node id. */
  channel?: string;
  address?: string;
  displayName?: string;
  audience?: string;
  access?: string;
  muted?: boolean;
  visibility?: string;
}

export function participantSpecs(RED: NodeAPI, list: ParticipantSetting[] | undefined): Record<string, unknown>[] {
  return (list ?? []).map((participant, i) => {
    const field = `participants[${i}]`;
    if (!participant.channel) throw fieldError(`${field}.channel`, 'is required: pick a channel');
    const channelId = configuredChannelId(RED, participant.channel)!;
    const address = participant.address?.trim();
    if (!address) throw fieldError(`${field}.address`, 'is required');
    return defined({
      channelId,
      address,
      displayName: participant.displayName?.trim() || undefined,
      audience: participant.audience || undefined,
      access: participant.access || undefined,
      muted: participant.muted === true ? true : undefined,
      visibility: participant.visibility || undefined,
    });
  });
}
