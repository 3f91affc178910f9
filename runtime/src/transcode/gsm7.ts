// The GSM 03.38 default alphabet (3GPP TS 23.038) as CHANNELS.md lists it. A message that uses
// only these characters is sent as GSM-7; one character outside them makes the whole message UCS-2.

const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** Sent as an escape septet followed by the character's code: two septets each. */
const EXTENSION = '\f^{}\\[~]|€';

const septets = new Map<string, 1 | 2>([
  ...Array.from(BASIC, (char) => [char, 1] as const),
  ...Array.from(EXTENSION, (char) => [char, 2] as const),
]);

/** Septets the character takes in GSM-7, or null when GSM-7 cannot carry it. */
export function gsm7Septets(char: string): 1 | 2 | null {
  return septets.get(char) ?? null;
}
