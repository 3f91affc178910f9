// Operations of AI participants (DESIGN.md section 11): observations as a second side effect next
// to tasks, and the per-room record of model calls (what each conversation cost).
import { listModelCalls } from '../ai/usage';
import { operation, withApi, type Operation } from './define';
import * as out from './output-schemas';
import { requireRoom } from './shared';
import { storeSideEffect, type SideEffectParts } from './side-effects';
import * as s from './schemas';
import type { EngineParts } from '../engine-parts';

const operations: Operation<any, unknown>[] = [
  operation<{ roomId: string; content: string; category?: string; confidence?: number; bindingId?: string; eventId?: string }, unknown>(
    'addObservation',
    'Record an observation about a room (a fact noticed, a sentiment, an error): kept with the room as a side effect, never sent to participants. With `bindingId`: on behalf of that participant (an AI binding marks it produced by `ai`).',
    true,
    {
      roomId: s.id,
      content: { type: 'string', minLength: 1, maxLength: 4096 },
      category: { type: 'string', minLength: 1, maxLength: 64 },
      confidence: { type: 'number', minimum: 0, maximum: 1 },
      bindingId: s.id,
      eventId: s.id,
    },
    ['roomId', 'content'],
    async (parts: SideEffectParts, { roomId, bindingId, eventId, ...observation }) => storeSideEffect(parts, { roomId, bindingId, eventId }, 'observation', observation),
  ),
  operation<{ roomId: string; bindingId?: string }, unknown>(
    'listModelCalls',
    "Model calls made by the room's AI participants, oldest first: model, tokens in and out, latency, tool calls and errors, with totals — what the conversation cost. With `bindingId`: one AI participant's calls.",
    false,
    { roomId: s.id, bindingId: s.id },
    ['roomId'],
    async (parts: Pick<EngineParts, 'store' | 'cache'>, input) => {
      await requireRoom(parts, input.roomId);
      return listModelCalls(parts, input.roomId, input.bindingId);
    },
  ),
];

export const aiOperations = withApi(operations, {
  addObservation: {
    http: { method: 'POST', path: '/rooms/{roomId}/observations' },
    output: out.sideEffect,
    errors: ['not_found'],
    examples: [{ summary: 'The customer sounds frustrated', input: { roomId: 'r1', content: 'Customer is frustrated about a double charge', category: 'sentiment', confidence: 0.8 } }],
  },
  listModelCalls: {
    http: { method: 'GET', path: '/rooms/{roomId}/model-calls' },
    output: out.modelCalls,
    errors: ['not_found'],
    examples: [{ summary: 'What the AI of room r1 cost', input: { roomId: 'r1' } }],
  },
});
