// Every model call of an AI binding is recorded (model, tokens in and out, latency, tool calls,
// the error if any) so the cost of each conversation is visible through `listModelCalls`. Records
// live in the side-effect table as kind `model_call` (docs/decisions.md, "AI model-call records"):
// written per room in one commit, never emitted as side effects nor shown by `listSideEffects`.
import type { EngineParts } from '../engine-parts';
import type { JsonObject, SideEffect } from '../model';
import { sideEffect } from '../pipeline/records';

export interface ModelCallRecord {
  bindingId: string;
  /** The event the AI was answering, if any. */
  eventId: string | null;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  toolCalls: string[];
  error: { code: string; message: string } | null;
}

export async function recordModelCall(parts: Pick<EngineParts, 'store' | 'clock'>, roomId: string, record: ModelCallRecord): Promise<SideEffect> {
  const effect = sideEffect(roomId, record.eventId, 'model_call', record as unknown as JsonObject, 'ai', new Date(parts.clock()).toISOString());
  await parts.store.commit({ sideEffects: [effect] });
  return effect;
}

export interface ModelCallTotals {
  calls: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
}

export async function listModelCalls(parts: Pick<EngineParts, 'store'>, roomId: string, bindingId?: string): Promise<{ calls: (ModelCallRecord & { id: string; createdAt: string })[]; totals: ModelCallTotals }> {
  const records = (await parts.store.listSideEffects(roomId, 'model_call'))
    .map((effect) => ({ id: effect.id, createdAt: effect.createdAt, ...(effect.data as unknown as ModelCallRecord) }))
    .filter((record) => !bindingId || record.bindingId === bindingId);
  const totals: ModelCallTotals = { calls: records.length, failed: 0, inputTokens: 0, outputTokens: 0, latencyMs: 0 };
  for (const record of records) {
    if (record.error) totals.failed++;
    totals.inputTokens += record.inputTokens;
    totals.outputTokens += record.outputTokens;
    totals.latencyMs += record.latencyMs;
  }
  return { calls: records, totals };
}
