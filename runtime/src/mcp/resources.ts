// MCP resources of a Roomwire engine: a room (`roomwire://rooms/{roomId}`) and its timeline
// (`roomwire://rooms/{roomId}/timeline?after=&limit=`, paged like the REST timeline). Reads go
// through the gateway, so a client acting as a binding reads only what that binding may see.
import { invalid } from '../errors';

export const ROOM_TEMPLATE = 'roomwire://rooms/{roomId}';
export const TIMELINE_TEMPLATE = 'roomwire://rooms/{roomId}/timeline{?after,limit}';

export interface ResourceRef {
  roomId: string;
  timeline: boolean;
  after?: number;
  limit?: number;
}

const PATTERN = /^roomwire:\/\/rooms\/([^/?#]+)(\/timeline)?(?:\?([^#]*))?$/;

export function roomUri(roomId: string): string {
  return `roomwire://rooms/${encodeURIComponent(roomId)}`;
}

export function parseResourceUri(uri: string): ResourceRef {
  const match = PATTERN.exec(uri);
  if (!match) throw invalid('uri', `is not a Roomwire resource (${ROOM_TEMPLATE} or ${TIMELINE_TEMPLATE})`);
  let roomId: string;
  try {
    roomId = decodeURIComponent(match[1]!);
  } catch {
    throw invalid('uri', 'has a malformed room id');
  }
  const ref: ResourceRef = { roomId, timeline: match[2] !== undefined };
  const query = new URLSearchParams(match[3] ?? '');
  for (const key of ['after', 'limit'] as const) {
    const value = query.get(key);
    if (value === null) continue;
    if (!ref.timeline || !/^-?\d+$/.test(value)) throw invalid(key, ref.timeline ? 'must be an integer' : 'pages timelines only');
    ref[key] = Number(value);
  }
  return ref;
}

/** The operation and input that read a resource. */
export function readCall(ref: ResourceRef): { name: string; input: Record<string, unknown> } {
  if (!ref.timeline) return { name: 'getRoom', input: { roomId: ref.roomId } };
  return { name: 'getTimeline', input: { roomId: ref.roomId, ...(ref.after !== undefined ? { after: ref.after } : {}), ...(ref.limit !== undefined ? { limit: ref.limit } : {}) } };
}
