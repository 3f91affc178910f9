// DESIGN.md section 3 step 3 and section 10: the default resolver looks up (channel type, address)
// and creates an identity when unknown. Serialised per address so two first messages from the same
// person never create two identities.
import type { EngineParts } from './engine-parts';
import { newId } from './ids';
import type { Identity } from './model';

export async function resolveIdentity(parts: EngineParts, channelType: string, address: string, displayName?: string): Promise<string> {
  return parts.serial.run(`identity:${channelType}:${address}`, async () => {
    const known = await parts.store.findIdentityByAddress(channelType, address);
    if (known) return known.mergedInto ?? known.id;
    const now = new Date(parts.clock()).toISOString();
    const identity: Identity = {
      id: newId('idn'),
      displayName: displayName ?? null,
      externalId: null,
      addresses: [{ channelType, address }],
      metadata: {},
      mergedInto: null,
      createdAt: now,
      updatedAt: now,
    };
    await parts.store.commit({ identities: [identity] });
    return identity.id;
  });
}
