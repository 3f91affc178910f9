// The lists a user picks from when configuring Roomwire (an editor's choices, an API's docs),
// taken from the places that define them, so that a new profile, trigger or permission value
// reaches every surface without being copied.
import { profiles } from './capabilities';
import { HOOK_TRIGGERS, SYNC_TRIGGERS } from './hooks/types';
import { findOperation } from './operations';
import { access, audience, visibility } from './operations/schemas';

/** Providers that ship with the runtime: `webhook` (JSON over HTTP) and `flow` (FlowProvider). */
export const BUILT_IN_PROVIDERS = ['webhook', 'flow', 'webchat'] as const;

/**
 * Channel types with a meaning of their own: every capability profile, plus `ai` and `flow`
 * (participants that are programs). Any other lower-case name is allowed and gets the generic profile.
 */
const EXTRA_CHANNEL_TYPES = ['ai', 'flow'];

export interface Vocabulary {
  channelTypes: string[];
  profiles: string[];
  providers: string[];
  directions: string[];
  hookTriggers: { name: string; decides: boolean }[];
  access: string[];
  audience: string[];
  visibility: string[];
  fallbackTriggers: string[];
}

export function vocabulary(): Vocabulary {
  const profileNames = Object.keys(profiles);
  return {
    channelTypes: [...profileNames, ...EXTRA_CHANNEL_TYPES.filter((type) => !profileNames.includes(type))],
    profiles: profileNames,
    providers: [...BUILT_IN_PROVIDERS],
    directions: ['bidirectional', 'inbound', 'outbound'],
    hookTriggers: HOOK_TRIGGERS.map((name) => ({ name, decides: SYNC_TRIGGERS.has(name) })),
    access: [...access.enum],
    audience: [...audience.enum],
    visibility: [...visibility.oneOf[0].enum],
    fallbackTriggers: fallbackTriggers(),
  };
}

/** The triggers `setFallback` accepts, read from its input schema. */
function fallbackTriggers(): string[] {
  const input = findOperation('setFallback').input as { properties: { fallback: { properties: { on: { items: { enum: string[] } } } } } };
  return [...input.properties.fallback.properties.on.items.enum];
}
