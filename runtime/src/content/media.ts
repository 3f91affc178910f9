export type MediaKind = 'image' | 'audio' | 'video' | 'file';

/** Channels limit media by kind; anything that is not an image, audio or video is a file. */
export function mediaKind(mimeType: string): MediaKind {
  const top = mimeType.slice(0, mimeType.indexOf('/')).toLowerCase();
  return top === 'image' || top === 'audio' || top === 'video' ? top : 'file';
}
