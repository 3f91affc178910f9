// DESIGN.md section 10: `mergeIdentities(source, destination)` as one transaction. Addresses of
// channel types the destination lacks move to it (last in its preference order); the others stay
// as aliases that still resolve to it; bindings of the source (in every room) point to the
// destination; the destination's empty fields are filled from the source; the source is marked
// `mergedInto`. Every affected room records an `identity` event; on_identity hooks hear `merged`.
//
// One write set spans every affected room, so the merge holds the serial section of each of them
// (entered in sorted order, under IDENTITY_WRITES, so two merges never wait on each other) while
// it re-points the in-memory bindings, assigns the event indexes and commits. A failed commit
// drops every one of those rooms from the cache, as a failed single-room commit does.
import type { EngineParts } from '../engine-parts';
import { RoomwireError } from '../errors';
import type { Binding, Identity, IdentityAddress, JsonObject, Room, RoomEvent } from '../model';
import type { LoadedRoom } from '../pipeline/room-cache';
import type { RoomWriteParts } from '../rooms';
import { commitRoomWrites, lifecycleEvent } from '../pipeline/room-writes';
import type { WriteSet } from '../store/store';
import { announceIdentityChange } from './hooks';
import { sameAddress } from './normalise';
import { IDENTITY_WRITES, mergeChain, noteMerged, nowIso } from './resolver';

/** A merge writes every room of the source identity and notes the merge for bindings made meanwhile. */
export type MergeParts = RoomWriteParts & Pick<EngineParts, 'mergedIdentities'>;

export interface MergeResult {
  /** The surviving identity after the merge. */
  identity: Identity;
  /** False when nothing had to change (the two already resolve to the same identity). */
  merged: boolean;
  /** The identities actually merged, after following both merge chains. */
  sourceId: string;
  destinationId: string;
  moved: IdentityAddress[];
  aliases: IdentityAddress[];
  /** Rooms whose bindings now point to the destination. */
  roomIds: string[];
}

function isEmpty(value: string | null): boolean {
  return value === null || value.trim() === '';
}

/** The two records after the merge, and which source addresses moved or became aliases. */
export function combineIdentities(
  source: Identity,
  destination: Identity,
  now: string,
): { source: Identity; destination: Identity; moved: IdentityAddress[]; aliases: IdentityAddress[] } {
  const typesHeld = new Set(destination.addresses.map((a) => a.channelType));
  const known: IdentityAddress[] = [...destination.addresses, ...destination.aliases];
  const isNew = (a: IdentityAddress) => !known.some((k) => sameAddress(k, a));
  const moved = source.addresses.filter((a) => !typesHeld.has(a.channelType) && isNew(a));
  const aliases: IdentityAddress[] = [];
  for (const a of [...source.addresses.filter((x) => typesHeld.has(x.channelType)), ...source.aliases]) {
    if (isNew(a) && !moved.some((m) => sameAddress(m, a)) && !aliases.some((x) => sameAddress(x, a))) aliases.push({ ...a });
  }
  return {
    moved,
    aliases,
    destination: {
      ...destination,
      displayName: isEmpty(destination.displayName) ? source.displayName : destination.displayName,
      externalId: isEmpty(destination.externalId) ? source.externalId : destination.externalId,
      addresses: [...destination.addresses, ...moved.map((a) => ({ ...a }))],
      aliases: [...destination.aliases, ...aliases],
      metadata: { ...source.metadata, ...destination.metadata },
      updatedAt: now,
    },
    source: { ...source, mergedInto: destination.id, updatedAt: now },
  };
}

export async function mergeIdentities(parts: MergeParts, sourceId: string, destinationId: string): Promise<MergeResult> {
  if (sourceId === destinationId) throw new RoomwireError('invalid_input', 'an identity cannot be merged into itself', 'destination');
  return parts.serial.run(IDENTITY_WRITES, async () => {
    const sourceChain = await mergeChain(parts, sourceId, 'source');
    const destinationChain = await mergeChain(parts, destinationId, 'destination');
    if (destinationChain.some((identity) => identity.id === sourceId)) {
      throw new RoomwireError(
        'conflict',
        `identity ${destinationId} was merged into ${sourceId}; merging ${sourceId} into it would make a cycle`,
        'destination',
      );
    }
    const source = sourceChain[sourceChain.length - 1]!;
    const destination = destinationChain[destinationChain.length - 1]!;
    // Already one person (the source was merged into the destination, or both into a third): idempotent.
    if (source.id === destination.id) {
      return { identity: destination, merged: false, sourceId: source.id, destinationId: destination.id, moved: [], aliases: [], roomIds: [] };
    }
    const now = nowIso(parts);
    const combined = combineIdentities(source, destination, now);
    // From here on, bindings created in this process point to the destination...
    const forget = noteMerged(parts, source.id, destination.id);
    try {
      // ...and every write queued before this point is durable, so the store lists all the
      // source's bindings (the group commit is first in, first out).
      await parts.store.commit({});
      const bindings = await parts.store.listBindingsOfIdentity(source.id);
      const fromIds = new Set<string>([source.id, ...bindings.map((b) => b.identityId).filter((id): id is string => id !== null)]);
      const roomIds = [...new Set(bindings.map((b) => b.roomId))].sort();
      const outcome = await inRoomSections(parts, roomIds, () => commitMerge(parts, combined, fromIds, roomIds, now));
      for (const { room, event } of outcome.events) parts.notifier.emit({ kind: 'event', roomId: room.id, event });
      announceIdentityChange(
        parts,
        {
          change: 'merged',
          identityId: destination.id,
          sourceId: source.id,
          destinationId: destination.id,
          identity: combined.destination as unknown as JsonObject,
          moved: combined.moved as unknown as JsonObject[],
          aliases: combined.aliases as unknown as JsonObject[],
          roomIds: outcome.rooms.map((room) => room.id),
        },
        outcome.rooms,
      );
      return {
        identity: combined.destination,
        merged: true,
        sourceId: source.id,
        destinationId: destination.id,
        moved: combined.moved,
        aliases: combined.aliases,
        roomIds: outcome.rooms.map((room) => room.id),
      };
    } catch (error) {
      forget();
      throw error;
    }
  });
}

/** Runs `work` inside the serial sections of all `roomIds` (entered in the given, sorted, order). */
function inRoomSections<T>(parts: Pick<EngineParts, 'serial'>, roomIds: string[], work: () => Promise<T>): Promise<T> {
  const enter = (i: number): Promise<T> => (i === roomIds.length ? work() : parts.serial.run(roomIds[i]!, () => enter(i + 1)));
  return enter(0);
}

async function commitMerge(
  parts: Pick<EngineParts, 'store' | 'cache' | 'scheduler' | 'leases'>,
  combined: ReturnType<typeof combineIdentities>,
  fromIds: Set<string>,
  roomIds: string[],
  now: string,
): Promise<{ rooms: Room[]; events: { room: Room; event: RoomEvent }[] }> {
  const writes: WriteSet = { identities: [combined.source, combined.destination], bindings: [], events: [] };
  const touched: LoadedRoom[] = [];
  const events: { room: Room; event: RoomEvent }[] = [];
  const label = (identity: Identity) => identity.displayName || identity.id;
  for (const roomId of roomIds) {
    const loaded = await parts.cache.load(roomId);
    if (!loaded) continue;
    const repointed: Binding[] = loaded.bindings
      .filter((b) => b.identityId !== null && fromIds.has(b.identityId))
      .map((b) => ({ ...b, identityId: combined.destination.id, updatedAt: now }));
    if (repointed.length === 0) continue;
    touched.push(loaded);
    for (const binding of repointed) loaded.replaceBinding(binding);
    writes.bindings!.push(...repointed);
    // A closed or archived room takes no new events (DESIGN.md section 3): its bindings are
    // re-pointed so the person's history stays whole, without a timeline record.
    if (loaded.room.state === 'closed' || loaded.room.state === 'archived') continue;
    const event = lifecycleEvent(
      loaded,
      'identity',
      'identity.merged',
      `${label(combined.source)} merged into ${label(combined.destination)}`,
      {
        change: 'merged',
        sourceId: combined.source.id,
        destinationId: combined.destination.id,
        bindingIds: repointed.map((b) => b.id),
      },
      now,
    );
    loaded.room = { ...loaded.room, updatedAt: now };
    writes.events!.push(event);
    events.push({ room: loaded.room, event });
  }
  await commitRoomWrites(parts, touched, writes);
  return { rooms: touched.map((loaded) => loaded.room), events };
}
