// Tool arguments as the model wrote them: a JSON object or nothing. Anything else is the model's
// mistake, reported as `malformed_tool_arguments` naming the tool rather than run half-understood.
import type { JsonObject } from '../../model';
import { ModelError } from '../types';

export function parseToolArguments(name: string, raw: unknown): JsonObject {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return {};
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ModelError('malformed_tool_arguments', `the model called tool ${JSON.stringify(name)} with arguments that are not JSON: ${raw.slice(0, 200)}`);
    }
  }
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ModelError('malformed_tool_arguments', `the model called tool ${JSON.stringify(name)} with arguments that are not a JSON object`);
  }
  return value as JsonObject;
}
