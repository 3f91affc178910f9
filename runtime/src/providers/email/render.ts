// One transcoded content as the two parts of a mail: plain text and HTML. The transcoder has
// already shaped the content for the email profile (reply buttons and quick replies as numbered
// text, locations as links, templates as their fallback): what is left is text, media, and rich
// content whose buttons open links. Every character from the content is escaped in the HTML, and
// only http(s) and mailto links become anchors.
import type { Button, Card, Content as ContentUnion } from '../../content/types';
import type { Content } from '../../model';
import { ProviderError } from '../contract';

export interface MailBody {
  text: string;
  html: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function paragraphHtml(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

function safeLink(url: string | undefined): string | undefined {
  return url && /^(https?:|mailto:)/i.test(url.trim()) ? url.trim() : undefined;
}

function linkHtml(title: string, url: string | undefined): string {
  const href = safeLink(url);
  return href ? `<a href="${escapeHtml(href)}">${escapeHtml(title)}</a>` : escapeHtml(title);
}

function buttonsText(buttons: Button[] | undefined): string[] {
  return (buttons ?? []).map((b) => (b.url ? `${b.title}: ${b.url}` : b.title));
}

function buttonsHtml(buttons: Button[] | undefined): string {
  if (!buttons || buttons.length === 0) return '';
  return `<p>${buttons.map((b) => linkHtml(b.title, b.url)).join(' &middot; ')}</p>`;
}

function cardText(card: Card): string {
  return [card.title, card.subtitle, card.imageUrl, ...buttonsText(card.buttons)].filter((line) => line).join('\n');
}

function cardHtml(card: Card): string {
  const image = safeLink(card.imageUrl) ? `<img src="${escapeHtml(card.imageUrl!.trim())}" alt="${escapeHtml(card.title)}" style="max-width:100%">` : '';
  const subtitle = card.subtitle ? `<p>${escapeHtml(card.subtitle)}</p>` : '';
  return `<div style="margin:1em 0">${image}<p><strong>${escapeHtml(card.title)}</strong></p>${subtitle}${buttonsHtml(card.buttons)}</div>`;
}

export function renderMail(message: Content): MailBody {
  // Validated against the content schema before it was stored: the union's shapes hold.
  const content = message as unknown as ContentUnion;
  switch (content.type) {
    case 'text':
      return { text: content.text, html: paragraphHtml(content.text) };
    case 'media': {
      const name = content.filename || content.url;
      const text = [content.caption, `${name}: ${content.url}`].filter(Boolean).join('\n\n');
      const html = `${content.caption ? paragraphHtml(content.caption) : ''}<p>${linkHtml(name, content.url)}</p>`;
      return { text, html };
    }
    case 'rich': {
      const cards = content.cards ?? content.carousel?.cards ?? [];
      const text = [content.text, buttonsText(content.buttons).join('\n'), ...cards.map(cardText)].filter(Boolean).join('\n\n');
      const html = [content.text ? paragraphHtml(content.text) : '', buttonsHtml(content.buttons), ...cards.map(cardHtml)].join('\n');
      return { text, html };
    }
    default:
      // The email profile (and this provider's capabilities) make the transcoder turn anything else into text.
      throw new ProviderError('unsupported_content', `email cannot carry ${content.type} content`, true);
  }
}

/** A complete HTML document around the rendered body (mail clients expect one). */
export function htmlDocument(body: string): string {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n${body}\n</body></html>`;
}
