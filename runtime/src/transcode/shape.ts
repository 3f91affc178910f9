// Turns content into what the channel carries, one content type at a time. Lengths are left to
// fit.ts, which sees the final text.

import type { Capabilities } from '../capabilities';
import type { Content, TemplateContent } from '../content';
import { transcodeList } from './list';
import { transcodeMedia } from './media';
import { transcodeRich } from './rich';
import { shaped, type Notes, type Shaped } from './shaped';
import { contactText, locationText } from './textForms';
import type { TranscodeContext } from './types';

function transcodeTemplate(template: TemplateContent, capabilities: Capabilities, context: TranscodeContext, notes: Notes): Shaped {
  if (capabilities.templates) return shaped([template]);
  if (template.fallback === undefined) {
    return { ok: false, code: 'unsupported', reason: `the channel has no templates and template "${template.name}" has no fallback` };
  }
  notes.add('template.to_fallback', '', 'the channel has no templates');
  return shapeContent(template.fallback, capabilities, context, notes.within('fallback'));
}

export function shapeContent(content: Content, capabilities: Capabilities, context: TranscodeContext, notes: Notes): Shaped {
  switch (content.type) {
    case 'text':
      return shaped([content]);
    case 'media':
      return transcodeMedia(content, capabilities, notes);
    case 'location':
      if (capabilities.location) return shaped([content]);
      notes.add('location.to_link', '', 'the channel has no location messages');
      return shaped([{ type: 'text', text: locationText(content) }], true);
    case 'contact':
      if (capabilities.contacts) return shaped([content]);
      notes.add('contact.to_text', '', 'the channel has no contact messages');
      return shaped([{ type: 'text', text: contactText(content) }], true);
    case 'rich':
      return transcodeRich(content, capabilities, context, notes);
    case 'list':
      return transcodeList(content, capabilities, notes);
    case 'template':
      return transcodeTemplate(content, capabilities, context, notes);
    case 'system':
      if (capabilities.system) return shaped([content]);
      notes.add('system.to_text', '', 'the channel shows no system notices');
      return shaped([{ type: 'text', text: content.text }]);
    default:
      if (capabilities.custom) return shaped([content]);
      // Custom data is meant for programs; showing its JSON to a customer would leak it.
      return { ok: false, code: 'unsupported', reason: `the channel cannot carry ${content.type} content` };
  }
}
