// Roomwire channel types and the Conversation API's channel names. One Sinch app carries several
// channels; each Roomwire channel on it speaks for one of them (its `sinchChannel`, by default the
// name matching its type), and every app message is addressed to that channel's identity.

const BY_TYPE: Record<string, string> = {
  sms: 'SMS',
  mms: 'MMS',
  whatsapp: 'WHATSAPP',
  rcs: 'RCS',
  messenger: 'MESSENGER',
  telegram: 'TELEGRAM',
  viber: 'VIBER',
  viberbm: 'VIBERBM',
  instagram: 'INSTAGRAM',
  line: 'LINE',
  kakaotalk: 'KAKAOTALK',
  wechat: 'WECHAT',
  applebc: 'APPLEBC',
};

/** The Conversation API channels Roomwire can name. */
export const SINCH_CHANNELS: readonly string[] = Object.values(BY_TYPE);

/** The Sinch channel for a Roomwire channel type, or undefined when there is none by that name. */
export function sinchChannelFor(channelType: string): string | undefined {
  return Object.hasOwn(BY_TYPE, channelType) ? BY_TYPE[channelType] : undefined;
}
