// Content as a model reads it: the words, plus a short bracketed note for what is not words
// (buttons offered, a picture, a location), so a model never gets raw JSON to puzzle over.
import type { Content, Json } from '../model';

function titles(items: Json | undefined): string[] {
  if (!Array.isArray(items)) return [];
  return items.map((item) => (item && typeof item === 'object' && !Array.isArray(item) && typeof item.title === 'string' ? item.title : '')).filter(Boolean);
}

export function contentText(content: Content): string {
  const text = typeof content.text === 'string' ? content.text : '';
  switch (content.type) {
    case 'text':
    case 'system':
      return text;
    case 'rich': {
      const options = [...titles(content.buttons), ...titles(content.quickReplies)];
      return options.length > 0 ? `${text} [options: ${options.join(' | ')}]` : text;
    }
    case 'list':
      return `${text} [a list of options]`;
    case 'media':
      return `[${String(content.mimeType ?? 'file')}${content.caption ? `: ${String(content.caption)}` : ''} ${String(content.url ?? '')}]`.trim();
    case 'location':
      return `[location: ${String(content.label ?? '')} ${String(content.latitude)},${String(content.longitude)}]`;
    case 'template':
      return `[template ${String(content.name)}]`;
    default:
      return text || `[${content.type}]`;
  }
}
