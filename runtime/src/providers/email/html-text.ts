// Plain text from an HTML-only mail body (the JSON webhook may carry `html` without `text`):
// enough for a timeline entry, not a renderer. Block ends become line breaks, tags go, and every
// character reference HTML defines is decoded (mail writes `&rsquo;` and `&eacute;` as often as
// `&amp;`), by the `entities` package that HTML parsers use.
import { decodeHTML } from 'entities';

export function htmlToText(html: string): string {
  const text = html
    .replace(/<(script|style|head)\b[^]*?<\/\1\s*>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6]|blockquote)\s*>/gi, '\n')
    .replace(/<blockquote\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  return decodeHTML(text)
    // A non-breaking space is layout in a mail's HTML, an ordinary space in the room's text.
    .replace(/\u00a0/g, ' ')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
