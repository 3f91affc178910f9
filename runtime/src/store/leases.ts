// The leases one engine takes on deliveries and timers (DESIGN.md section 13): renewed while it
// lives, so a crashed engine's work passes to another once they lapse. Wall-clock time: a lease is
// about a process dying, not about the engine's (possibly simulated) clock.
import { newId } from '../ids';
import type { Lease } from './store';

export const DEFAULT_LEASE_MS = 30_000;

export class Leases {
  constructor(
    readonly owner: string = newId('eng'),
    readonly durationMs: number = DEFAULT_LEASE_MS,
  ) {}

  /** A lease from now. */
  next(): Lease {
    return { owner: this.owner, until: Date.now() + this.durationMs };
  }
}
