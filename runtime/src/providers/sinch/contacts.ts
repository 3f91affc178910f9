// Display names of Sinch contacts. MESSAGE_INBOUND names the sender's contact (`contact_id`) but
// not their name; the contact has one (`display_name`, for WhatsApp the profile name Sinch keeps).
// Each contact is looked up once per account (GET .../contacts/{id}, the account's token cache)
// and remembered. An inbound callback waits for a lookup at most `waitMs`: a slower one carries on
// and names the contact's next message; a failed one leaves the message without a name and is
// tried again after a while. A lookup never fails or holds up an inbound message beyond that wait.
import type { SinchClient } from './client';

/** How long a message waits for its contact's name by default. */
export const SINCH_CONTACT_WAIT_MS = 2000;
/** A lookup that failed is not tried again for this long (Sinch down, a missing permission). */
const RETRY_AFTER_MS = 5 * 60_000;
/** Contacts remembered per account; the oldest are forgotten first. */
const REMEMBERED_MAX = 10_000;

interface Known {
  name: string | null;
  /** Until when the answer holds (a failure's retry time; Infinity for an answer). */
  until: number;
}

export class SinchContactNames {
  private readonly known = new Map<string, Known>();
  private readonly pending = new Map<string, Promise<string | null>>();
  private readonly stop = new AbortController();

  constructor(
    private readonly client: SinchClient,
    private readonly waitMs: number,
    private readonly clock: () => number,
  ) {}

  /** The contact's display name, if known or found within the wait; undefined otherwise. */
  async displayName(contactId: string): Promise<string | undefined> {
    const known = this.known.get(contactId);
    if (known && this.clock() < known.until) return known.name ?? undefined;
    let lookup = this.pending.get(contactId);
    if (!lookup) {
      lookup = this.lookup(contactId);
      this.pending.set(contactId, lookup);
    }
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<null>((resolve) => {
      timer = setTimeout(resolve, this.waitMs, null);
      timer.unref();
    });
    try {
      return (await Promise.race([lookup, waited])) ?? undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private async lookup(contactId: string): Promise<string | null> {
    try {
      const name = await this.client.contactDisplayName(contactId, this.stop.signal);
      this.remember(contactId, { name, until: Infinity });
      return name;
    } catch {
      // No name is better than no message: the message goes on without one.
      this.remember(contactId, { name: null, until: this.clock() + RETRY_AFTER_MS });
      return null;
    } finally {
      this.pending.delete(contactId);
    }
  }

  private remember(contactId: string, known: Known): void {
    if (this.stop.signal.aborted) return;
    this.known.delete(contactId);
    if (this.known.size >= REMEMBERED_MAX) this.known.delete(this.known.keys().next().value!);
    this.known.set(contactId, known);
  }

  /** Cancels lookups in flight and forgets every name (the account is closing). */
  clear(): void {
    this.stop.abort();
    this.known.clear();
    this.pending.clear();
  }
}
