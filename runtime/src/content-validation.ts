// One compiled validator for content, used wherever content enters: operations, inbound
// providers, hook decisions.
import { contentLimitsError, contentSchema } from './content';
import { invalid } from './errors';
import { compileValidator } from './validation';

const validateShape = compileValidator<unknown>(contentSchema as Record<string, unknown>);

export function validateContent(content: unknown, field = 'content'): void {
  try {
    validateShape(content);
  } catch (error) {
    // Re-root the path at the caller's field (`inject[0].content.text`).
    const e = error as { field?: string; message: string };
    const inner = e.field && e.field !== '(input)' ? e.field : '';
    throw invalid(inner ? `${field}${inner.startsWith('[') ? '' : '.'}${inner}` : field, e.message.replace(/^[^:]*: /, ''));
  }
  const limits = contentLimitsError(content);
  // `limits.field` is a path inside the content (`buttons[3].id`), '' for the content itself.
  if (limits) throw invalid(limits.field ? `${field}${limits.field.startsWith('[') ? '' : '.'}${limits.field}` : field, limits.message);
}
