import type { Capabilities } from '../capabilities';
import type { MediaContent } from '../content';
import { mediaMisfit } from './misfit';
import { shaped, type Notes, type Shaped } from './shaped';
import { mediaLinkText } from './textForms';

/** Media the channel cannot send (kind or size) goes out as its caption and a link. */
export function transcodeMedia(media: MediaContent, capabilities: Capabilities, notes: Notes): Shaped {
  const notMedia = mediaMisfit(media, capabilities.media);
  if (notMedia !== null) {
    notes.add('media.to_link', '', notMedia);
    return shaped([{ type: 'text', text: mediaLinkText(media) }], true);
  }
  const captionMax = capabilities.media?.captionMax ?? null;
  if (media.caption === undefined || captionMax === null || media.caption.length <= captionMax) return shaped([media]);
  const { caption, ...withoutCaption } = media;
  const reason = captionMax === 0 ? "the channel's media has no caption" : `caption is longer than ${captionMax}`;
  notes.add('media.caption_to_text', 'caption', reason);
  return shaped([withoutCaption, { type: 'text', text: caption }]);
}
