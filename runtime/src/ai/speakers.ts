// Who said what: every turn of an AI's context names its speaker (display name, channel, role)
// instead of one anonymous "user", so the model can tell the customer from the agent or another AI.
import type { Binding, Identity, RoomEvent } from '../model';

export type SpeakerRole = 'customer' | 'agent' | 'AI' | 'system';

export interface Speaker {
  name: string;
  channelType: string | null;
  role: SpeakerRole;
}

export function roleOf(binding: Binding | undefined): SpeakerRole {
  if (!binding) return 'system';
  if (binding.channelType === 'ai') return 'AI';
  return binding.audience === 'external' ? 'customer' : 'agent';
}

export function speakerOf(event: RoomEvent, bindings: Map<string, Binding>, identities: Map<string, Identity>): Speaker {
  const binding = event.source.bindingId ? bindings.get(event.source.bindingId) : undefined;
  if (!binding) return { name: event.source.hook ? `hook ${event.source.hook}` : 'system', channelType: null, role: 'system' };
  const identity = binding.identityId ? identities.get(binding.identityId) : undefined;
  return { name: identity?.displayName || binding.address, channelType: binding.channelType, role: roleOf(binding) };
}

export function speakerLabel(speaker: Speaker): string {
  return speaker.channelType ? `${speaker.name} (${speaker.role}, ${speaker.channelType})` : `${speaker.name} (${speaker.role})`;
}
