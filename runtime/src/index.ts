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
export type { Provider, OutboundMessage, SendResult, InboundRequest, ParsedInbound } from './providers/contract';
export { createWebhookProvider, signWebhookBody, SIGNATURE_HEADER, TIMESTAMP_HEADER, type WebhookProviderOptions } from './providers/webhook';
export { FlowProvider } from './providers/flow';
export { SqliteStore } from './store/sqlite/sqlite-store';
export type { Store, WriteSet } from './store/store';
export { canRead, writeGate, planTargets, canSeeInHistory, passesVisibility } from './permissions';
export { createWebhookHandler, createOperationsHandler, readBody, sendJson, type HttpHandlerOptions } from './http/handlers';
export { vocabulary, BUILT_IN_PROVIDERS, type Vocabulary } from './vocabulary';
