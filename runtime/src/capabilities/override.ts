import { GENERIC_PROFILE, profiles, standardSmsSegments } from './profiles';
import type { Capabilities, CapabilitiesOverride } from './types';

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(fields: Fields, key: string): unknown {
  return Object.hasOwn(fields, key) ? fields[key] : undefined;
}

// When an override turns on a capability the profile lacks, its missing fields come from here:
// the generic profile, plus SMS segment sizes and WhatsApp's 24 h for what it leaves null.
const fillIns: Fields = {
  ...profiles[GENERIC_PROFILE],
  segments: standardSmsSegments,
  sessionWindow: { durationMs: 24 * 60 * 60 * 1000 },
};

/** Objects merge field by field; null, arrays and scalars replace; undefined keeps the base. */
function merge(base: unknown, override: unknown, fillIn: unknown): unknown {
  if (override === undefined) return base;
  if (!isFields(override)) return override;
  const from = isFields(base) ? base : isFields(fillIn) ? fillIn : {};
  const keys = new Set([...Object.keys(from), ...Object.keys(override)]);
  // fromEntries defines own properties, so a `__proto__` key from JSON cannot reach a prototype.
  return Object.fromEntries(
    [...keys].map((key) => [key, merge(own(from, key), own(override, key), isFields(fillIn) ? own(fillIn, key) : undefined)]),
  );
}

/** The named profile (the generic one when unknown) with a channel's override merged over it. */
export function capabilitiesFor(profile: string, override?: CapabilitiesOverride): Capabilities {
  const base = Object.hasOwn(profiles, profile) ? profiles[profile] : profiles[GENERIC_PROFILE];
  if (override === undefined) return base;
  return merge(base, override, fillIns) as Capabilities;
}

/** Two overrides as one: `over` wins field by field (a provider's limits under a channel's own). */
export function combineOverrides(under?: CapabilitiesOverride, over?: CapabilitiesOverride): CapabilitiesOverride | undefined {
  if (under === undefined) return over;
  if (over === undefined) return under;
  return merge(under, over, undefined) as CapabilitiesOverride;
}
