// The web chat wire protocol: JSON text frames, one object each, told apart by `type`.
//
// page → server
//   hello     {since?}                  start: events after index `since` (-1 or absent: all history)
//   send      {content, clientId?}      write a message as the token's binding (`clientId` dedupes retries)
//   reply     {eventId, postback, clientId?}  pick a choice (button, quick reply, list row) of a message
//   typing    {typing}                  the customer is typing (true) or stopped (false)
//   markRead  {index}                   the read horizon moves to `index`
//   refresh   {}                        a fresh token for this binding, before the current one expires
// server → page
//   welcome   {roomId, bindingId, since}   then history pages, then `ready`
//   history   {events}                  events in index order (on hello, and to fill a gap); an own
//                                       message carries `status`, its furthest delivery status
//   ready     {index}                   history is complete up to `index`; live events follow
//   event     {event}                   one live event
//   ack       {clientId, eventId, index, status}   a `send`/`reply` was stored (`blocked`: muted...)
//   status    {eventId, index, status}  delivery status of one of the page's own messages
//   receipt   {bindingId, index}        another participant has read up to `index`
//   typing    {bindingId, name, typing} another participant is typing
//   room      {state, index}            the room became active, paused, closed or archived
//   muted     {muted}                   the page's participant is muted (its messages reach nobody) or not
//   content   {eventId, index, content} what was delivered to this page differs from the event (a
//             {eventId, index, withdrawn}  before_deliver hook rewrote it), or a hook blocked it
//   token     {token, expiresAt}        the answer to `refresh`
//   error     {code, message, field?, clientId?}   the frame was refused; the socket stays open
import { RoomwireError } from '../errors';
import type { Content } from '../model';

export type ClientFrame =
  | { type: 'hello'; since: number }
  | { type: 'send'; content: Content; clientId?: string }
  | { type: 'reply'; eventId: string; postback: string; clientId?: string }
  | { type: 'typing'; typing: boolean }
  | { type: 'markRead'; index: number }
  | { type: 'refresh' };

/** Content types a customer's page may send; rich content is for the other side to offer. */
export const PAGE_CONTENT_TYPES = ['text', 'media', 'location'];

const fail = (field: string, message: string) => new RoomwireError('invalid_input', message, field);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clientId(frame: Record<string, unknown>): string | undefined {
  const id = frame.clientId;
  if (id === undefined) return undefined;
  if (typeof id !== 'string' || id.length === 0 || id.length > 64 || !/^[A-Za-z0-9._:-]+$/.test(id)) {
    throw fail('clientId', 'must be 1 to 64 letters, digits or . _ : -');
  }
  return id;
}

function index(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw fail(field, `must be an integer of at least ${min}`);
  return value;
}

/** Reads one frame; throws `invalid_input` naming the field for anything else. */
export function parseClientFrame(data: string): ClientFrame {
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    throw fail('frame', 'is not JSON');
  }
  if (!isObject(frame)) throw fail('frame', 'must be a JSON object');
  switch (frame.type) {
    case 'hello':
      return { type: 'hello', since: frame.since === undefined ? -1 : index(frame.since, 'since', -1) };
    case 'send': {
      const content = frame.content;
      if (!isObject(content) || typeof content.type !== 'string') throw fail('content', 'must be a content object with a type');
      if (!PAGE_CONTENT_TYPES.includes(content.type)) throw fail('content.type', `must be one of ${PAGE_CONTENT_TYPES.join(', ')}`);
      return { type: 'send', content: content as Content, clientId: clientId(frame) };
    }
    case 'reply': {
      if (typeof frame.eventId !== 'string' || frame.eventId.length === 0 || frame.eventId.length > 128) throw fail('eventId', 'must be an event id');
      if (typeof frame.postback !== 'string' || frame.postback.length === 0 || frame.postback.length > 2048) throw fail('postback', 'must be a string of 1 to 2048 characters');
      return { type: 'reply', eventId: frame.eventId, postback: frame.postback, clientId: clientId(frame) };
    }
    case 'typing':
      if (typeof frame.typing !== 'boolean') throw fail('typing', 'must be true or false');
      return { type: 'typing', typing: frame.typing };
    case 'markRead':
      return { type: 'markRead', index: index(frame.index, 'index', 0) };
    case 'refresh':
      return { type: 'refresh' };
    default:
      throw fail('type', 'must be one of hello, send, reply, typing, markRead, refresh');
  }
}

export function errorFrame(error: unknown, clientIdOfFrame?: string): Record<string, unknown> {
  const known = error instanceof RoomwireError;
  return {
    type: 'error',
    code: known ? error.code : 'internal',
    message: known ? error.message : 'the message could not be processed',
    ...(known && error.field ? { field: error.field } : {}),
    ...(clientIdOfFrame ? { clientId: clientIdOfFrame } : {}),
  };
}
