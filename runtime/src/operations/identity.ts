// Identity operations (DESIGN.md section 10, docs/identity.md): create, get, look up by address or
// external id, update, link and unlink addresses, merge, and the rooms a person takes part in.
// Addresses are normalised on the way in (E.164 phones, lower-case email).
import { RoomwireError } from '../errors';
import {
  createIdentity,
  findIdentity,
  linkAddress,
  listIdentityRooms,
  mergeIdentities,
  requireIdentity,
  requireLiveIdentity,
  unlinkAddress,
  updateIdentity,
  type CreateIdentityInput,
  type IdentityRef,
  type UpdateIdentityInput,
} from '../identity/index';
import type { IdentityAddress, RoomState } from '../model';
import type { EngineParts } from '../engine-parts';
import type { MergeParts } from '../identity/merge';
import type { IdentityWriteParts } from '../identity/resolver';
import { operation, withApi, type Operation } from './define';
import * as out from './output-schemas';
import { checkMetadata } from './shared';
import * as s from './schemas';

const channelType = { type: 'string', minLength: 1, maxLength: 64 } as const;
const externalId = { type: 'string', minLength: 1, maxLength: 256 } as const;
const displayName = { type: 'string', maxLength: 256 } as const;
const identityAddress = {
  type: 'object',
  properties: { channelType, address: s.address },
  required: ['channelType', 'address'],
  additionalProperties: false,
} as const;
const addressList = { type: 'array', items: identityAddress, maxItems: 100 } as const;

/** An identity id, `{identityId}`, `{channelType, address}` (an address or alias) or `{externalId}`. */
const identityRef = {
  oneOf: [
    s.id,
    { type: 'object', properties: { identityId: s.id }, required: ['identityId'], additionalProperties: false },
    identityAddress,
    { type: 'object', properties: { externalId }, required: ['externalId'], additionalProperties: false },
  ],
} as const;

const operations: Operation<any, unknown>[] = [
  operation<CreateIdentityInput, unknown>(
    'createIdentity',
    'Create an identity (a person across channels) with its addresses in order of preference. Refused when one of the addresses or the external id belongs to another identity.',
    true,
    { displayName, externalId, metadata: s.metadata, addresses: addressList },
    [],
    (parts: IdentityWriteParts, input) => createIdentity(parts, input),
    checkMetadata,
  ),
  operation<{ identityId: string }, unknown>(
    'getIdentity',
    'One identity. An identity that was merged away resolves to the one it was merged into (check `id`).',
    false,
    { identityId: s.id },
    ['identityId'],
    (parts: Pick<EngineParts, 'store'>, input) => requireLiveIdentity(parts, input.identityId),
  ),
  operation<{ channelType?: string; address?: string; externalId?: string }, unknown>(
    'lookupIdentity',
    'Find the identity of an address (any spelling: it is normalised; aliases count) or of an external id. Answers `{identity: null}` when nobody has it.',
    false,
    { channelType, address: s.address, externalId },
    [],
    async (parts: Pick<EngineParts, 'store'>, input) => {
      const ref: IdentityRef = input.externalId !== undefined ? { externalId: input.externalId } : { channelType: input.channelType!, address: input.address! };
      return { identity: await findIdentity(parts, ref, '') };
    },
    (input) => {
      const byAddress = input.channelType !== undefined || input.address !== undefined;
      if (byAddress === (input.externalId !== undefined)) {
        throw new RoomwireError('invalid_input', 'give either channelType and address, or externalId', input.externalId !== undefined ? 'externalId' : 'address');
      }
      if (byAddress && input.channelType === undefined) throw new RoomwireError('invalid_input', 'is required with address', 'channelType');
      if (byAddress && input.address === undefined) throw new RoomwireError('invalid_input', 'is required with channelType', 'address');
    },
  ),
  operation<UpdateIdentityInput, unknown>(
    'updateIdentity',
    'Change an identity: displayName, externalId (null clears them), metadata (keys merged in, or replaced with `replaceMetadata: true`), and the preference order of its addresses (`addresses`: the same addresses, reordered).',
    true,
    {
      identityId: s.id,
      displayName: { anyOf: [{ type: 'null' }, displayName] },
      externalId: { anyOf: [{ type: 'null' }, externalId] },
      metadata: s.metadata,
      replaceMetadata: { type: 'boolean' },
      addresses: addressList,
    },
    ['identityId'],
    (parts: IdentityWriteParts, input) => updateIdentity(parts, input),
    checkMetadata,
  ),
  operation<{ identityId: string } & IdentityAddress, unknown>(
    'linkAddress',
    "Add an address to an identity (last in its preference order). Refused when it belongs to another identity: merge them instead.",
    true,
    { identityId: s.id, channelType, address: s.address },
    ['identityId', 'channelType', 'address'],
    (parts: IdentityWriteParts, input) => linkAddress(parts, input.identityId, input.channelType, input.address),
  ),
  operation<{ identityId: string } & IdentityAddress, unknown>(
    'unlinkAddress',
    'Remove an address (or alias) from an identity: messages from it no longer reach this person\'s rooms. Existing bindings keep their history.',
    true,
    { identityId: s.id, channelType, address: s.address },
    ['identityId', 'channelType', 'address'],
    (parts: IdentityWriteParts, input) => unlinkAddress(parts, input.identityId, input.channelType, input.address),
  ),
  operation<{ source: IdentityRef; destination: IdentityRef }, unknown>(
    'mergeIdentities',
    'Merge the source identity into the destination in one transaction: addresses of channel types the destination lacks move to it, the others stay as aliases; bindings move; empty fields are filled; the source resolves to the destination from then on. Idempotent; refuses self-merges and cycles; follows earlier merges. Each side is an identity id, {channelType, address} or {externalId}.',
    true,
    { source: identityRef, destination: identityRef },
    ['source', 'destination'],
    async (parts: MergeParts, input) => {
      const sourceId = await refId(parts, input.source, 'source');
      const destinationId = await refId(parts, input.destination, 'destination');
      // Two addresses of one person already: nothing to merge (the same id named twice is a self-merge).
      if (sourceId === destinationId && !(isDirect(input.source) && isDirect(input.destination))) {
        const identity = await requireLiveIdentity(parts, destinationId, 'destination');
        return { identity, merged: false, sourceId: identity.id, destinationId: identity.id, moved: [], aliases: [], roomIds: [] };
      }
      return mergeIdentities(parts, sourceId, destinationId);
    },
  ),
  operation<{ identityId: string; states?: RoomState[]; limit?: number }, unknown>(
    'listIdentityRooms',
    "Rooms the person takes part in (through any identity merged into it too), most recently updated first, each with the person's bindings there. Archived rooms only when asked for by state.",
    false,
    { identityId: s.id, states: { type: 'array', items: s.roomState, maxItems: 4 }, limit: s.limit },
    ['identityId'],
    (parts: Pick<EngineParts, 'store' | 'cache'>, input) => listIdentityRooms(parts, input.identityId, input),
  ),
];

const identityResult = { type: 'object', properties: { identity: out.identity }, required: ['identity'] };

export const identityOperations = withApi(operations, {
  createIdentity: {
    http: { method: 'POST', path: '/identities' },
    output: out.identity,
    errors: ['conflict'],
    examples: [{ summary: 'Alice with a phone and an email', input: { displayName: 'Alice', addresses: [{ channelType: 'sms', address: '+15555550100' }, { channelType: 'email', address: 'alice@example.com' }] } }],
  },
  getIdentity: {
    http: { method: 'GET', path: '/identities/{identityId}' },
    output: out.identity,
    errors: ['not_found'],
    examples: [{ summary: 'Identity id1', input: { identityId: 'id1' } }],
  },
  lookupIdentity: {
    http: { method: 'GET', path: '/identities/lookup' },
    output: { type: 'object', properties: { identity: { anyOf: [{ type: 'null' }, out.identity] } }, required: ['identity'] },
    errors: [],
    examples: [{ summary: 'Who has this phone number?', input: { channelType: 'sms', address: '(555) 555-0100' } }],
  },
  updateIdentity: {
    http: { method: 'PATCH', path: '/identities/{identityId}' },
    output: out.identity,
    errors: ['not_found', 'conflict'],
    examples: [{ summary: 'Rename', input: { identityId: 'id1', displayName: 'Alice B.' } }],
  },
  linkAddress: {
    http: { method: 'POST', path: '/identities/{identityId}/addresses' },
    output: out.identity,
    errors: ['not_found', 'conflict'],
    examples: [{ summary: 'Add a WhatsApp number', input: { identityId: 'id1', channelType: 'whatsapp', address: '+15555550100' } }],
  },
  unlinkAddress: {
    http: { method: 'DELETE', path: '/identities/{identityId}/addresses' },
    output: out.identity,
    errors: ['not_found'],
    examples: [{ summary: 'Forget an email address', input: { identityId: 'id1', channelType: 'email', address: 'old@example.com' } }],
    destructive: true,
  },
  mergeIdentities: {
    http: { method: 'POST', path: '/identities/merge' },
    output: { ...identityResult, properties: { ...identityResult.properties, merged: { type: 'boolean' }, sourceId: { type: 'string' }, destinationId: { type: 'string' } } },
    errors: ['not_found', 'conflict'],
    examples: [{ summary: 'The email sender is the SMS sender', input: { source: { channelType: 'email', address: 'alice@example.com' }, destination: 'id1' } }],
    destructive: true,
  },
  listIdentityRooms: {
    http: { method: 'GET', path: '/identities/{identityId}/rooms' },
    output: { type: 'object', properties: { rooms: { type: 'array' } }, required: ['rooms'] },
    errors: ['not_found'],
    examples: [{ summary: "Alice's open rooms", input: { identityId: 'id1', states: ['active', 'paused'] } }],
  },
});

/**
 * The identity id a merge side names. An id (or {identityId}) is passed as given, so the merge can
 * tell an already-merged source (idempotent) from a cycle; addresses and external ids name the
 * identity they resolve to now.
 */
function isDirect(ref: IdentityRef): boolean {
  return typeof ref === 'string' || 'identityId' in ref;
}

async function refId(parts: Pick<EngineParts, 'store'>, ref: IdentityRef, field: string): Promise<string> {
  if (typeof ref === 'string') return ref;
  if ('identityId' in ref) return ref.identityId;
  return (await requireIdentity(parts, ref, field)).id;
}
