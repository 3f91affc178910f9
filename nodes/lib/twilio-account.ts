// What a `roomwire-twilio` config node holds, as the Twilio provider kind reads it: shared here so
// the config node and the kind (lib/providers/twilio.ts) agree on one shape without importing each other.
import type { Node } from 'node-red';

export interface TwilioAccountCredentials {
  accountSid?: string;
  authToken?: string;
  apiKeySid?: string;
  apiKeySecret?: string;
}

export interface TwilioAccount {
  accountSid: string;
  authToken?: string;
  apiKeySid?: string;
  apiKeySecret?: string;
  messagingServiceSid?: string;
  /** Where Twilio's REST API lives; tests point it at a local server. */
  apiBaseUrl?: string;
}

export interface TwilioConfigNode extends Node<TwilioAccountCredentials> {
  /** The account, or the names of the fields still to fill in. */
  account(): { account: TwilioAccount } | { missing: string[] };
}
