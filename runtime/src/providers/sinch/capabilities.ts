// What the Conversation API cannot carry beyond the channel type's published profile. Sinch's
// media message has no caption (a caption goes out as its own text), contact cards and custom
// content are not mapped, and `system` notices go out as text. Everything else (choices, cards,
// carousels, lists, locations) Sinch renders natively on the channels that have them.
import type { CapabilitiesOverride } from '../../capabilities';

const common: CapabilitiesOverride = {
  contacts: false,
  custom: false,
  system: false,
};

/** Limits narrower than the profile of `channelType` when sent through Sinch. */
export function sinchCapabilities(channelType: string): CapabilitiesOverride {
  // SMS has no media: there is no caption to move out.
  if (channelType === 'sms') return common;
  return { ...common, media: { captionMax: 0 } };
}
