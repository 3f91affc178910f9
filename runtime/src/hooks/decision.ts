// The shape of a sync hook's decision. A decision may come from outside the process (a URL hook's
// response body, a flow's `hook return`), so it is checked like any input: a malformed one is a
// hook failure and the hook's fail mode applies, instead of an error in the room's pipeline.
import { visibility } from '../operations/schemas';
import { compileValidator } from '../validation';
import type { HookDecision } from './types';

const text = (maxLength: number) => ({ type: 'string', maxLength });

const validate = compileValidator<HookDecision | null | undefined>({
  type: ['object', 'null'],
  properties: {
    action: { enum: ['allow', 'block', 'modify'] },
    reason: text(1024),
    content: { type: 'object' },
    metadata: { type: 'object' },
    inject: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        properties: { content: { type: 'object' }, to: { type: 'array', items: text(128), maxItems: 100 }, visibility, type: { enum: ['message', 'system'] } },
        required: ['content'],
      },
    },
    tasks: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        properties: { title: { type: 'string', minLength: 1, maxLength: 256 }, description: text(4096), assignee: text(256), status: { enum: ['open', 'in_progress', 'done', 'cancelled'] } },
        required: ['title'],
      },
    },
    observations: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        properties: { content: { type: 'string', minLength: 1, maxLength: 4096 }, category: text(128), confidence: { type: 'number', minimum: 0, maximum: 1 } },
        required: ['content'],
      },
    },
    metadataUpdates: { type: 'object' },
  },
  // A `modify` that names nothing to modify is malformed, not an allow: a fail-closed moderation
  // hook answering it must not let the original through.
  if: { properties: { action: { const: 'modify' } }, required: ['action'] },
  then: { anyOf: [{ required: ['content'] }, { required: ['metadata'] }] },
});

/** Throws (naming the field) when a hook's decision is not a decision; `undefined` means allow. */
export function checkDecision(decision: unknown): HookDecision | void {
  if (decision === undefined) return undefined;
  return validate(decision) ?? undefined;
}
