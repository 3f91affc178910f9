// A persisted hook may point at an HTTP endpoint: the context is POSTed as JSON and the response
// body is the decision (`{"action":"block","reason":"..."}`), so room hooks work without code.
import type { HookContext, HookDecision } from './types';

export async function callHttpHook(url: string, context: HookContext, timeoutMs: number): Promise<HookDecision | void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(context),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`hook endpoint answered HTTP ${response.status}`);
  const text = await response.text();
  if (text.trim() === '') return undefined;
  return JSON.parse(text) as HookDecision;
}
