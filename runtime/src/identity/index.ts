// Identity across channels (DESIGN.md sections 3 and 10, docs/identity.md): address
// normalisation, the resolver (default and hook-based), identity-aware inbound routing, merges.
export { PHONE_CHANNEL_TYPES, addressForChannel, normaliseAddress, sameAddress } from './normalise';
export { IDENTITY_WRITES, currentIdentityId, requireLiveIdentity, resolveIdentity } from './resolver';
export { combineIdentities, mergeIdentities, type MergeResult } from './merge';
export {
  createIdentity,
  findIdentity,
  linkAddress,
  listIdentityRooms,
  requireIdentity,
  unlinkAddress,
  updateIdentity,
  type CreateIdentityInput,
  type IdentityRef,
  type UpdateIdentityInput,
} from './identities';
