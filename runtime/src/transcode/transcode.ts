// DESIGN.md section 6: content in, what the target channel can carry out. Deterministic and pure:
// the time and the session window come in the context.

import type { Capabilities } from '../capabilities';
import type { Content } from '../content';
import { fitLengths } from './fit';
import { shapeContent } from './shape';
import { notesInto } from './shaped';
import type { Degradation, TranscodeContext, TranscodeResult } from './types';
import { sessionWindowClosed } from './window';

// Outside the window only templates go out: the content itself, else the binding's fallback.
function outsideWindow(content: Content, capabilities: Capabilities, context: TranscodeContext): TranscodeResult {
  const refuse = (reason: string): TranscodeResult => ({
    ok: false,
    code: 'outside_window',
    reason: `the session window is closed: ${reason}`,
    degradations: [],
  });
  const fallback = context.bindingFallback;
  if (!capabilities.templates) return refuse('the channel has no templates to send instead');
  if (fallback === undefined) {
    return refuse(`only a template can be sent, this is ${content.type} content and the binding has no fallback`);
  }
  if (fallback.type !== 'template') {
    return refuse(`only a template can be sent, and the binding's fallback is ${fallback.type} content`);
  }
  const result = transcode(fallback, capabilities, { ...context, bindingFallback: undefined });
  const sent: Degradation = {
    rule: 'window.binding_fallback',
    path: '',
    reason: "the session window is closed: the binding's fallback is sent instead",
  };
  return { ...result, degradations: [sent, ...result.degradations] };
}

export function transcode(content: Content, capabilities: Capabilities, context: TranscodeContext): TranscodeResult {
  const sendableOutsideWindow = content.type === 'template' && capabilities.templates;
  if (!sendableOutsideWindow && sessionWindowClosed(capabilities, context)) return outsideWindow(content, capabilities, context);

  const degradations: Degradation[] = [];
  const notes = notesInto(degradations);
  const shape = shapeContent(content, capabilities, context, notes);
  if (!shape.ok) return { ...shape, degradations };
  const fitted = fitLengths(shape.parts, shape.generated, capabilities, context, notes);
  if (!fitted.ok) return { ...fitted, degradations };
  return {
    ok: true,
    parts: fitted.value.parts,
    degradations,
    ...(fitted.value.sms ? { sms: fitted.value.sms } : {}),
    ...(shape.options.length > 0 ? { options: shape.options } : {}),
  };
}
