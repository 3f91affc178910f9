// RFC 5322 threading of an outbound mail (CHANNELS.md "Email threading"): In-Reply-To names the
// newest message of the participant's conversation in the room, References the conversation's
// first message and its most recent ones, so every mail client groups the room's mails as one
// thread. The Subject stays the conversation's subject, with "Re:" on replies: Gmail also needs a
// matching subject to thread.
import type { JsonObject, RoomEvent } from '../../model';
import type { ThreadEntry } from '../contract';

/** Ids in References at most: the first and the newest (RFC 5322 lets a long list be trimmed). */
const MAX_REFERENCES = 20;
const MESSAGE_ID = /^<[^<>\s]+@[^<>\s]+>$/;
/** The metadata key of the email facts on an event (`{email: {subject}}`). */
export const EMAIL_METADATA = 'email';

export interface ThreadHeaders {
  subject: string;
  inReplyTo?: string;
  references?: string[];
}

export function subjectOf(metadata: JsonObject | undefined): string | undefined {
  const email = metadata?.[EMAIL_METADATA];
  const subject = email && typeof email === 'object' && !Array.isArray(email) ? email.subject : undefined;
  return typeof subject === 'string' && subject.trim() !== '' ? subject.trim() : undefined;
}

/** "Re: Re: Fwd: Printer" → "Printer". */
function baseSubject(subject: string): string {
  return subject.replace(/^(\s*(re|fwd?|aw|sv|antw)(\[\d+\])?\s*:\s*)+/i, '').trim() || subject;
}

/**
 * `defaultSubject` is the channel's subject for a conversation Roomwire starts (`{roomId}`
 * replaced). A writer may name a subject on the event (`metadata.email.subject`).
 */
export function threadHeaders(event: RoomEvent, thread: ThreadEntry[], defaultSubject: string): ThreadHeaders {
  const explicit = subjectOf(event.metadata);
  const started = thread.map((entry) => subjectOf(entry.metadata)).find((subject) => subject !== undefined);
  const base = explicit ?? (started ? baseSubject(started) : defaultSubject.replace(/\{roomId\}/g, event.roomId));
  // Only real Message-IDs thread (not the ids of attachments or of mails that came without one).
  const ids = thread.map((entry) => entry.providerMessageId).filter((id) => MESSAGE_ID.test(id));
  const subject = explicit ?? (thread.length === 0 || /^re:/i.test(base) ? base : `Re: ${base}`);
  if (ids.length === 0) return { subject };
  const references = ids.length <= MAX_REFERENCES ? ids : [ids[0]!, ...ids.slice(ids.length - (MAX_REFERENCES - 1))];
  return { subject, inReplyTo: ids[ids.length - 1], references };
}
