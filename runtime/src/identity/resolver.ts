// DESIGN.md section 3 step 3 and section 10: resolving an address to the person behind it. The
// default resolver looks up (channel type, address) and creates an identity when unknown; global
// `on_identity` hooks may claim an unknown address first (the pluggable resolver).
//
// Serial keys, always taken in this order so that no two tasks wait on each other:
//   address key(s) (`identity:<type>:<address>`, sorted)  →  IDENTITY_WRITES  →  room keys (sorted).
// The address key makes "look up, else create" atomic per address; IDENTITY_WRITES serialises every
// read-modify-write of identity records (link, unlink, update, merge), so no write is lost.
import type { EngineParts } from '../engine-parts';
import { RoomwireError, notFound } from '../errors';
import { newId } from '../ids';
import type { Identity, IdentityAddress, JsonObject } from '../model';
import type { HookDecision } from '../hooks/types';
import { checkMetadataSize, compileValidator } from '../validation';
import { announceIdentityChange, askResolverHooks } from './hooks';
import { describeAddress, normaliseAddress, sameAddress } from './normalise';

/** An identity write: serialised per address, and announced to the identity hooks. */
export type IdentityWriteParts = Pick<EngineParts, 'store' | 'serial' | 'hooks' | 'clock' | 'logger'>;

export const IDENTITY_WRITES = 'identity:writes';

export function addressKey(address: IdentityAddress): string {
  return `identity:${address.channelType}:${address.address}`;
}

export function nowIso(parts: Pick<EngineParts, 'clock'>): string {
  return new Date(parts.clock()).toISOString();
}

/** The identity an id stands for now in this process (follows merges made here). */
export function currentIdentityId(parts: Pick<EngineParts, 'mergedIdentities'>, identityId: string): string {
  const merged = parts.mergedIdentities;
  let id = identityId;
  for (let hops = 0; hops < 64 && merged.has(id); hops++) id = merged.get(id)!;
  return id;
}

/** Records a merge before it commits; the returned function forgets it again (the merge failed). */
export function noteMerged(parts: Pick<EngineParts, 'mergedIdentities'>, sourceId: string, destinationId: string): () => void {
  const merged = parts.mergedIdentities;
  merged.set(sourceId, destinationId);
  return () => {
    if (merged.get(sourceId) === destinationId) merged.delete(sourceId);
  };
}

/** The identities from `id` along its `mergedInto` chain, the live one last. */
export async function mergeChain(parts: Pick<EngineParts, 'store'>, id: string, field: string): Promise<Identity[]> {
  const chain: Identity[] = [];
  let next: string | null = id;
  while (next !== null) {
    if (chain.some((identity) => identity.id === next)) {
      throw new RoomwireError('internal', `identity ${id} has a merge cycle through ${next}`, field);
    }
    const identity: Identity | null = await parts.store.getIdentity(next);
    if (!identity) {
      if (chain.length === 0) throw notFound('identity', id, field);
      throw new RoomwireError('internal', `identity ${chain[chain.length - 1]!.id} was merged into ${next}, which does not exist`, field);
    }
    chain.push(identity);
    next = identity.mergedInto;
  }
  return chain;
}

/** The identity `id` resolves to: itself, or where it was merged into (following the chain). */
export async function requireLiveIdentity(parts: Pick<EngineParts, 'store'>, id: string, field = 'identityId'): Promise<Identity> {
  const chain = await mergeChain(parts, id, field);
  return chain[chain.length - 1]!;
}

export function newIdentity(
  parts: Pick<EngineParts, 'clock'>,
  fields: { displayName?: string | null; externalId?: string | null; metadata?: JsonObject; addresses: IdentityAddress[] },
): Identity {
  const now = nowIso(parts);
  return {
    id: newId('idn'),
    displayName: fields.displayName ?? null,
    externalId: fields.externalId ?? null,
    addresses: fields.addresses,
    aliases: [],
    metadata: fields.metadata ?? {},
    mergedInto: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** The identity with `address` added last in its preference order (an alias of it is promoted). */
export function withAddress(parts: Pick<EngineParts, 'clock'>, identity: Identity, address: IdentityAddress): Identity {
  if (identity.addresses.some((a) => sameAddress(a, address))) return identity;
  return {
    ...identity,
    addresses: [...identity.addresses, address],
    aliases: identity.aliases.filter((a) => !sameAddress(a, address)),
    updatedAt: nowIso(parts),
  };
}

/**
 * The identity id for an address, created when unknown. Normalises the address first, so every
 * spelling of one phone number or email finds the same person.
 */
export async function resolveIdentity(parts: IdentityWriteParts, channelType: string, address: string, displayName?: string): Promise<string> {
  const normalised = normaliseAddress(channelType, address);
  return parts.serial.run(addressKey(normalised), async () => {
    const known = await parts.store.findIdentityByAddress(normalised.channelType, normalised.address);
    // The store's answer: during a merge's commit callers map it with currentIdentityId where they need to.
    if (known) return known.id;
    const claimed = await resolveThroughHooks(parts, normalised, displayName ?? null);
    if (claimed) return claimed;
    const identity = newIdentity(parts, { displayName: displayName ?? null, addresses: [normalised] });
    try {
      await parts.store.commit({ identities: [identity] });
    } catch (error) {
      // Insert or fail, then resolve: another engine created this address's identity first.
      const winner = await parts.store.findIdentityByAddress(normalised.channelType, normalised.address);
      if (winner) return winner.id;
      throw error;
    }
    announceIdentityChange(parts, { change: 'created', identityId: identity.id, identity: identity as unknown as JsonObject });
    return identity.id;
  });
}

const validateProposal = compileValidator<NonNullable<HookDecision['identity']>>(
  {
    type: 'object',
    properties: {
      displayName: { type: 'string', maxLength: 256 },
      externalId: { type: 'string', minLength: 1, maxLength: 256 },
      metadata: { type: 'object' },
    },
    additionalProperties: false,
  },
  'identity',
);

/** Runs inside the address's serial section. Null: no hook claimed the address (or its answer was unusable). */
async function resolveThroughHooks(parts: IdentityWriteParts, address: IdentityAddress, displayName: string | null): Promise<string | null> {
  const answer = await askResolverHooks(parts, { channelType: address.channelType, address: address.address, displayName });
  if (!answer) return null;
  try {
    return await parts.serial.run(IDENTITY_WRITES, () => applyResolverAnswer(parts, address, displayName, answer.decision));
  } catch (error) {
    parts.logger.warn(
      `hook ${answer.hook} answered for ${describeAddress(address)} with an identity that cannot be used (${(error as Error).message}); the default resolver decides`,
    );
    return null;
  }
}

async function applyResolverAnswer(parts: Pick<EngineParts, 'store' | 'hooks' | 'clock' | 'logger'>, address: IdentityAddress, displayName: string | null, decision: HookDecision): Promise<string> {
  let target: Identity | null = null;
  if (decision.identityId !== undefined) {
    if (typeof decision.identityId !== 'string') throw new RoomwireError('invalid_input', 'must be a string', 'identityId');
    target = await requireLiveIdentity(parts, decision.identityId);
  } else {
    const proposal = validateProposal(decision.identity);
    checkMetadataSize(proposal.metadata, 'identity.metadata');
    // An external id already known names that person (a CRM lookup answering with its own id).
    if (proposal.externalId) {
      const known = await parts.store.findIdentityByExternalId(proposal.externalId);
      target = known ? await requireLiveIdentity(parts, known.id) : null;
    }
    if (!target) {
      const identity = newIdentity(parts, {
        displayName: proposal.displayName ?? displayName,
        externalId: proposal.externalId,
        metadata: proposal.metadata,
        addresses: [address],
      });
      await parts.store.commit({ identities: [identity] });
      announceIdentityChange(parts, { change: 'created', identityId: identity.id, identity: identity as unknown as JsonObject });
      return identity.id;
    }
  }
  const updated = withAddress(parts, target, address);
  await parts.store.commit({ identities: [updated] });
  announceIdentityChange(parts, {
    change: 'updated',
    identityId: updated.id,
    identity: updated as unknown as JsonObject,
    linked: { ...address },
  });
  return updated.id;
}
