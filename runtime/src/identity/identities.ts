// Reading and changing identities: create, look up (by address or external id), update, link and
// unlink addresses, and the rooms a person takes part in. Writes run under the serial keys of
// resolver.ts (address keys first, then IDENTITY_WRITES), so a resolver never creates a second
// owner for an address that is being linked.
import type { EngineParts } from '../engine-parts';
import { RoomwireError } from '../errors';
import type { Binding, Identity, IdentityAddress, JsonObject, Room, RoomState } from '../model';
import { announceIdentityChange } from './hooks';
import { describeAddress, normaliseAddress, sameAddress } from './normalise';
import { IDENTITY_WRITES, addressKey, newIdentity, nowIso, requireLiveIdentity, withAddress, type IdentityWriteParts } from './resolver';

/** A way to name an identity: its id, one of its addresses (or aliases), or its external id. */
export type IdentityRef = string | { identityId: string } | { channelType: string; address: string } | { externalId: string };

export interface CreateIdentityInput {
  displayName?: string;
  externalId?: string;
  metadata?: JsonObject;
  addresses?: IdentityAddress[];
}

export interface UpdateIdentityInput {
  identityId: string;
  displayName?: string | null;
  externalId?: string | null;
  metadata?: JsonObject;
  /** Replace the metadata instead of merging keys into it. */
  replaceMetadata?: boolean;
  /** The same addresses in a new preference order. */
  addresses?: IdentityAddress[];
}

function normaliseAll(addresses: IdentityAddress[], field: string): IdentityAddress[] {
  const out: IdentityAddress[] = [];
  addresses.forEach((a, i) => {
    const normalised = normaliseAddress(a.channelType, a.address, `${field}[${i}].address`);
    if (!out.some((x) => sameAddress(x, normalised))) out.push(normalised);
  });
  return out;
}

/** Runs `work` in the serial sections of these addresses (sorted), then IDENTITY_WRITES. */
function withIdentityLocks<T>(parts: Pick<EngineParts, 'serial'>, addresses: IdentityAddress[], work: () => Promise<T>): Promise<T> {
  const keys = [...new Set(addresses.map(addressKey))].sort();
  const enter = (i: number): Promise<T> => (i === keys.length ? parts.serial.run(IDENTITY_WRITES, work) : parts.serial.run(keys[i]!, () => enter(i + 1)));
  return enter(0);
}

async function refuseTakenExternalId(parts: Pick<EngineParts, 'store'>, externalId: string | null | undefined, self: string | null): Promise<void> {
  if (!externalId) return;
  const owner = await parts.store.findIdentityByExternalId(externalId);
  // A merged identity keeps its external id on record; only a live one owns it.
  if (owner && owner.mergedInto === null && owner.id !== self) {
    throw new RoomwireError('conflict', `${JSON.stringify(externalId)} is the external id of identity ${owner.id}`, 'externalId');
  }
}

async function refuseTakenAddress(parts: Pick<EngineParts, 'store'>, address: IdentityAddress, self: string | null, field: string): Promise<void> {
  const owner = await parts.store.findIdentityByAddress(address.channelType, address.address);
  if (owner && owner.id !== self) {
    throw new RoomwireError(
      'conflict',
      `${describeAddress(address)} belongs to identity ${owner.id}; merge the two identities, or unlink it there first`,
      field,
    );
  }
}

export async function createIdentity(parts: IdentityWriteParts, input: CreateIdentityInput): Promise<Identity> {
  const addresses = normaliseAll(input.addresses ?? [], 'addresses');
  return withIdentityLocks(parts, addresses, async () => {
    for (const [i, address] of addresses.entries()) await refuseTakenAddress(parts, address, null, `addresses[${i}].address`);
    await refuseTakenExternalId(parts, input.externalId, null);
    const identity = newIdentity(parts, { ...input, addresses });
    await parts.store.commit({ identities: [identity] });
    announceIdentityChange(parts, { change: 'created', identityId: identity.id, identity: identity as unknown as JsonObject });
    return identity;
  });
}

/** `name` inside the reference field `prefix` (`source.address`), or `name` for a top-level reference. */
function within(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

/**
 * The identity a reference names (following merges), or null when nobody has that address or
 * external id. `prefix` is the input field holding the reference ('' when its fields are top-level).
 */
export async function findIdentity(parts: Pick<EngineParts, 'store'>, ref: IdentityRef, prefix: string): Promise<Identity | null> {
  if (typeof ref === 'string') return requireLiveIdentity(parts, ref, prefix || 'identityId');
  if ('identityId' in ref) return requireLiveIdentity(parts, ref.identityId, within(prefix, 'identityId'));
  const found =
    'externalId' in ref
      ? await parts.store.findIdentityByExternalId(ref.externalId)
      : await (async () => {
          const a = normaliseAddress(ref.channelType, ref.address, within(prefix, 'address'));
          return parts.store.findIdentityByAddress(a.channelType, a.address);
        })();
  return found && found.mergedInto ? requireLiveIdentity(parts, found.id, prefix || 'identityId') : found;
}

export async function requireIdentity(parts: Pick<EngineParts, 'store'>, ref: IdentityRef, prefix: string): Promise<Identity> {
  const identity = await findIdentity(parts, ref, prefix);
  if (identity) return identity;
  if (typeof ref !== 'string' && 'externalId' in ref) {
    throw new RoomwireError('not_found', `no identity has the external id ${JSON.stringify(ref.externalId)}`, within(prefix, 'externalId'));
  }
  const { channelType, address } = ref as IdentityAddress;
  const normalised = normaliseAddress(channelType, address, within(prefix, 'address'));
  throw new RoomwireError('not_found', `no identity has the address ${describeAddress(normalised)}`, within(prefix, 'address'));
}

export async function updateIdentity(parts: IdentityWriteParts, input: UpdateIdentityInput): Promise<Identity> {
  return parts.serial.run(IDENTITY_WRITES, async () => {
    const identity = await requireLiveIdentity(parts, input.identityId);
    if (input.externalId !== undefined) await refuseTakenExternalId(parts, input.externalId, identity.id);
    let addresses = identity.addresses;
    if (input.addresses !== undefined) {
      const reordered = normaliseAll(input.addresses, 'addresses');
      const samePeople =
        reordered.length === identity.addresses.length && reordered.every((a) => identity.addresses.some((x) => sameAddress(x, a)));
      if (!samePeople) {
        throw new RoomwireError('invalid_input', 'must list the identity\'s addresses in the new order (link and unlink change the set)', 'addresses');
      }
      addresses = reordered;
    }
    const updated: Identity = {
      ...identity,
      displayName: input.displayName !== undefined ? input.displayName : identity.displayName,
      externalId: input.externalId !== undefined ? input.externalId : identity.externalId,
      metadata: input.metadata === undefined ? identity.metadata : input.replaceMetadata ? input.metadata : { ...identity.metadata, ...input.metadata },
      addresses,
      updatedAt: nowIso(parts),
    };
    await parts.store.commit({ identities: [updated] });
    announceIdentityChange(parts, { change: 'updated', identityId: updated.id, identity: updated as unknown as JsonObject });
    return updated;
  });
}

/** Adds an address to an identity, last in its preference order. Refused when another identity has it. */
export async function linkAddress(parts: IdentityWriteParts, identityId: string, channelType: string, address: string): Promise<Identity> {
  const normalised = normaliseAddress(channelType, address);
  return withIdentityLocks(parts, [normalised], async () => {
    const identity = await requireLiveIdentity(parts, identityId);
    await refuseTakenAddress(parts, normalised, identity.id, 'address');
    const updated = withAddress(parts, identity, normalised);
    if (updated === identity) return identity;
    await parts.store.commit({ identities: [updated] });
    announceIdentityChange(parts, { change: 'updated', identityId: updated.id, identity: updated as unknown as JsonObject, linked: { ...normalised } });
    return updated;
  });
}

/**
 * Removes an address (or alias) from an identity: from then on it resolves to nobody, and the
 * next message from it creates (or a resolver hook finds) its identity. Bindings keep their history.
 */
export async function unlinkAddress(parts: IdentityWriteParts, identityId: string, channelType: string, address: string): Promise<Identity> {
  const normalised = normaliseAddress(channelType, address);
  return withIdentityLocks(parts, [normalised], async () => {
    const identity = await requireLiveIdentity(parts, identityId);
    const held = [...identity.addresses, ...identity.aliases].some((a) => sameAddress(a, normalised));
    if (!held) throw new RoomwireError('not_found', `identity ${identity.id} has no address ${describeAddress(normalised)}`, 'address');
    const updated: Identity = {
      ...identity,
      addresses: identity.addresses.filter((a) => !sameAddress(a, normalised)),
      aliases: identity.aliases.filter((a) => !sameAddress(a, normalised)),
      updatedAt: nowIso(parts),
    };
    await parts.store.commit({ identities: [updated] });
    announceIdentityChange(parts, { change: 'updated', identityId: updated.id, identity: updated as unknown as JsonObject, unlinked: { ...normalised } });
    return updated;
  });
}

/** Rooms the person takes part in (through any identity merged into it too), newest first, with its bindings there. */
export async function listIdentityRooms(
  parts: Pick<EngineParts, 'store' | 'cache'>,
  identityId: string,
  query: { states?: RoomState[]; limit?: number },
): Promise<{ identity: Identity; rooms: { room: Room; bindings: Binding[] }[] }> {
  const identity = await requireLiveIdentity(parts, identityId);
  const rooms = await parts.store.listRoomsOfIdentity(identity.id, { states: query.states ?? ['active', 'paused', 'closed'], limit: query.limit });
  const bindings = await parts.store.listBindingsOfIdentity(identity.id);
  return {
    identity,
    rooms: rooms.map((stored) => {
      const cached = parts.cache.peek(stored.id);
      const own = bindings.filter((b) => b.roomId === stored.id).map((b) => cached?.binding(b.id) ?? b);
      return { room: cached?.room ?? stored, bindings: own };
    }),
  };
}
