// @roomwire/runtime: the engine and its persistence, usable without Node-RED.
export { Engine, type EngineOptions, type ChannelRegistration } from './engine';
export { RoomwireError, type ErrorCode } from './errors';
export type * from './model';
export type { Logger } from './engine-parts';
export type { Notification, Listener } from './notify';
export { operations, listOperations, findOperation, aggregateDeliveries, type Operation } from './operations';
export { HOOK_TRIGGERS, SYNC_TRIGGERS } from './hooks/types';
export type { HookContext, HookDecision, HookHandler, HookSettings, HookTrigger, HookFilters, StoredHook, InjectedEvent, IdentityProposal } from './hooks/types';
export { normaliseAddress, PHONE_CHANNEL_TYPES, ROUTING_KEY, type IdentityRef, type MergeResult, type RoutingPolicy } from './identity/index';
export { ProviderError } from './providers/contract';
export type { Capabilities, CapabilitiesOverride } from './capabilities';
export type { Provider, OutboundMessage, SendResult, InboundRequest, ParsedInbound, VerifiedInbound, WebhookReply } from './providers/contract';
export { createWebhookProvider, signWebhookBody, SIGNATURE_HEADER, TIMESTAMP_HEADER, type WebhookProviderOptions } from './providers/webhook';
export { FlowProvider } from './providers/flow';
export { createTwilioProvider, EMPTY_TWIML, type TwilioProviderOptions } from './providers/twilio/provider';
export {
  twilioSignature,
  verifyTwilioSignature,
  TWILIO_SIGNATURE_HEADER,
  TWILIO_SIGNATURE_SETTINGS_HEADER,
  type TwilioSignatureAlgorithm,
  type TwilioSigningKeys,
} from './providers/twilio/signature';
export { TwilioClient, TWILIO_API_BASE_URL, type TwilioClientOptions, type TwilioCredentials } from './providers/twilio/client';
export { parseTwilioInbound, DELIVERY_ID_PARAM } from './providers/twilio/inbound';
export { mapTwilioStatus, twilioError, TWILIO_OUTSIDE_WINDOW, type MappedStatus } from './providers/twilio/status';
export { twilioCapabilities, TWILIO_BODY_MAX } from './providers/twilio/capabilities';
export { decodeForm, type FormFields } from './providers/twilio/form';
export { SqliteStore } from './store/sqlite/sqlite-store';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres/postgres-store';
export { copySqliteInto, type CopyReport } from './store/copy';
export type { Store, WriteSet } from './store/store';
export { canRead, writeGate, planTargets, canSeeInHistory, passesVisibility } from './permissions';
export { createWebhookHandler, createOperationsHandler, readBody, sendJson, ClientGoneError, MAX_BODY_BYTES, type HttpHandlerOptions } from './http/handlers';
export { jsonNestsDeeperThan, valueNestsDeeperThan } from './http/nesting';
export { MAX_JSON_DEPTH } from './validation';
export { vocabulary, BUILT_IN_PROVIDERS, type Vocabulary } from './vocabulary';
