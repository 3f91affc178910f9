// What a `roomwire-sinch` config node offers the Sinch provider kind (lib/providers/sinch.ts): its
// Sinch account, shared by every channel that names the node, or the fields still to fill in.
// Kept here so the config node and the kind agree on one shape without importing each other.
import type { SinchAccount } from '@roomwire/runtime';
import type { Node } from 'node-red';

export interface SinchCredentials {
  keyId?: string;
  keySecret?: string;
  webhookSecret?: string;
}

export interface SinchConfigNode extends Node<SinchCredentials> {
  /** The account (made once, closed with the node), or the names of the settings still missing. */
  account(): { account: SinchAccount } | { missing: string[] };
}
