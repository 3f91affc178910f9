// Universal limits: content above them is rejected by the engine on every surface. They sit at or
// above the largest limit any built-in channel publishes (CHANNELS.md), so that anything a channel
// could carry is accepted, and below sizes that only a bug or an attack produces. What a given
// channel cannot carry is degraded by the transcoder, never rejected here.
// Lengths count characters (Unicode code points, as ajv's maxLength does).

export const contentLimits = {
  /** Body text of text, system, rich, list content and media captions. */
  textLength: 32_768,
  /** Button, quick reply and list row titles (RCS allows 25, the largest published). */
  choiceTitleLength: 100,
  /** Card and section titles, list button labels, location labels, names (RCS card title: 200). */
  titleLength: 256,
  /** Card subtitles, row descriptions, addresses (RCS card description: 2,000). */
  descriptionLength: 2_048,
  /** Button and row ids (WhatsApp reply id: 256). */
  idLength: 256,
  /** Postback payloads (RCS postback: 2,048). */
  postbackLength: 2_048,
  urlLength: 2_048,
  phoneLength: 32,
  buttons: 20,
  quickReplies: 20,
  cards: 10,
  cardButtons: 10,
  listSections: 10,
  listRowsPerSection: 10,
  templateNameLength: 512,
  templateParameters: 100,
  templateParameterLength: 2_048,
  contactEntries: 20,
  /** Serialized size of a custom content's `data`, in UTF-8 bytes (as event metadata, 32 KB). */
  customDataBytes: 32 * 1024,
} as const;
