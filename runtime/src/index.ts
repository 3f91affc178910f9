// @roomwire/runtime: the engine and its persistence, usable without Node-RED.
export { Engine, type EngineOptions, type ChannelRegistration } from './engine';
export { RoomwireError, type ErrorCode } from './errors';
export type * from './model';
export type { Logger } from './engine-parts';
export type { Notification, Listener } from './notify';
export { operations, listOperations, findOperation, aggregateDeliveries, type Operation } from './operations';
export { HOOK_TRIGGERS, SYNC_TRIGGERS } from './hooks/types';
export type { HookContext, HookDecision, HookHandler, HookSettings, HookTrigger, HookFilters, StoredHook, InjectedEvent, IdentityProposal } from './hooks/types';
export { normaliseAddress, PHONE_CHANNEL_TYPES, type IdentityRef, type MergeResult } from './identity/index';
export { ROUTING_KEY, type RoutingPolicy } from './pipeline/route';
export { ProviderError } from './providers/contract';
export type { Capabilities, CapabilitiesOverride } from './capabilities';
export type { Provider, OutboundMessage, SendResult, InboundRequest, ParsedInbound, VerifiedInbound, WebhookReply, ThreadEntry } from './providers/contract';
export { createWebhookProvider, signWebhookBody, SIGNATURE_HEADER, TIMESTAMP_HEADER, type WebhookProviderOptions } from './providers/webhook';
export { FlowProvider } from './providers/flow';
export { createTwilioProvider, EMPTY_TWIML, type TwilioProviderOptions } from './providers/twilio/provider';
export { createEmailProvider, type EmailProviderOptions } from './providers/email/provider';
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
export { SinchAccount, createSinchProvider, type SinchAccountOptions } from './providers/sinch/account';
export type { SinchChannelOptions } from './providers/sinch/provider';
export { sinchSignature, verifySinchSignature, SINCH_SIGNATURE_HEADER, SINCH_NONCE_HEADER, SINCH_TIMESTAMP_HEADER, SINCH_ALGORITHM_HEADER } from './providers/sinch/signature';
export { SINCH_REGIONS, sinchBaseUrl, type SinchRegion } from './providers/sinch/client';
export { SINCH_TOKEN_URL } from './providers/sinch/token';
export { mapSinchStatus, SINCH_OUTSIDE_WINDOW } from './providers/sinch/status';
export { SqliteStore } from './store/sqlite/sqlite-store';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres/postgres-store';
export { copySqliteInto, type CopyReport } from './store/copy';
export type { AgentSessionRecord, Store, WriteSet } from './store/store';
export { canRead, writeGate, planTargets, canSeeInHistory, passesVisibility } from './permissions';
export { createWebhookHandler, readBody, sendJson, ClientGoneError, MAX_BODY_BYTES, type HttpHandlerOptions } from './http/handlers';
export { jsonNestsDeeperThan, valueNestsDeeperThan } from './http/nesting';
export { clientAddress } from './http/client-address';
export { pathSegments } from './http/path-segments';
export { MAX_JSON_DEPTH } from './validation';
export { vocabulary, BUILT_IN_PROVIDERS, type Vocabulary } from './vocabulary';
export { createAgentInboxProvider, AGENT_INBOX_PROVIDER } from './providers/agent-inbox';
export { AGENT_CHANNEL_TYPE, previewText, prospectiveAgentBinding, type InboxRoom, type InboxFilter, type AgentRef, type ParticipantSummary } from './inbox';
export * from './webchat/index';
export * from './ai/index';
export { createRestHandler, createOperationsHandler, type RestHandler, type RestOptions } from './api/rest';
export { ApiGateway, PARTICIPANT_OPERATIONS } from './api/gateway';
export { checkTokenNames, parseApiTokens, type ApiTokenConfig, type Principal, type Scope } from './api/tokens';
export { openApiDocument } from './api/openapi';
export { createMcpHandler, MAX_MCP_SESSIONS_PER_TOKEN, type McpHandler, type McpHandlerOptions } from './mcp/server';
export { toolName } from './mcp/tools';
export { DatabaseLockedError } from './store/sqlite/process-lock';
