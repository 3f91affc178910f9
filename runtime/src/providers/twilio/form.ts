// Twilio's wire format both ways: webhooks arrive as `application/x-www-form-urlencoded` (a name may
// repeat), and the REST API takes the same encoding. Fields keep every value in arrival order.
import type { Json } from '../../model';

/** Form fields by name; a name that repeats keeps every value in arrival order. */
export type FormFields = Map<string, string[]>;

export function decodeForm(body: string): FormFields {
  const fields: FormFields = new Map();
  for (const [name, value] of new URLSearchParams(body)) {
    const values = fields.get(name);
    if (values) values.push(value);
    else fields.set(name, [value]);
  }
  return fields;
}

/** Form fields from a JSON object body (scalars and arrays of scalars; nested objects are skipped). */
export function fieldsFromJson(body: unknown): FormFields {
  const fields: FormFields = new Map();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fields;
  for (const [name, value] of Object.entries(body)) {
    const values = (Array.isArray(value) ? value : [value]).filter((v) => ['string', 'number', 'boolean'].includes(typeof v));
    if (values.length > 0) fields.set(name, values.map(String));
  }
  return fields;
}

/** The first value of a field, or undefined when absent. */
export function field(fields: FormFields, name: string): string | undefined {
  return fields.get(name)?.[0];
}

/** Every field as JSON: one value as a string, a repeated name as the list of its values. */
export function fieldsAsJson(fields: FormFields): { [name: string]: Json } {
  return Object.fromEntries([...fields].map(([name, values]) => [name, values.length === 1 ? values[0]! : values]));
}

/** A request body for the REST API; list values become repeated fields (`MediaUrl`). */
export function encodeForm(fields: Record<string, string | string[] | undefined>): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) form.append(name, one);
  }
  return form.toString();
}
