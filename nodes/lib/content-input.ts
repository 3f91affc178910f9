// Content from msg.payload, the way every Roomwire node that takes content reads it.
import type { Content } from '@roomwire/runtime';
import { fieldError } from './input';

/** A string is text; an object with a `type` is content as it is (the engine validates it). */
export function contentOf(payload: unknown): Content {
  if (typeof payload === 'string') return { type: 'text', text: payload };
  if (payload && typeof payload === 'object' && !Array.isArray(payload) && typeof (payload as Content).type === 'string') {
    return payload as Content;
  }
  throw fieldError('payload', 'must be a string (text) or a content object with a type, e.g. {"type":"text","text":"hi"}');
}
