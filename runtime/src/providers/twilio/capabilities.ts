// What Twilio's Messages API can carry beyond the channel type's published profile. WhatsApp
// through Programmable Messaging sends text, media and Content API templates; buttons, lists,
// cards and locations need a Content template per message, so they go out as the transcoder's
// text forms (numbered options, maps links) and replies still map back. A Body is at most 1,600
// characters on every channel.
import type { CapabilitiesOverride } from '../../capabilities';

export const TWILIO_BODY_MAX = 1600;

const whatsapp: CapabilitiesOverride = {
  maxTextLength: TWILIO_BODY_MAX,
  buttons: null,
  quickReplies: null,
  cards: null,
  carousel: null,
  lists: null,
  location: false,
  contacts: false,
  typing: false,
};

/** Limits narrower than the profile of `channelType`, or undefined when the profile fits as it is. */
export function twilioCapabilities(channelType: string): CapabilitiesOverride | undefined {
  return channelType === 'whatsapp' ? whatsapp : undefined;
}
