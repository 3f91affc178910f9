// AI as a channel (DESIGN.md section 11): the public face of the AI module.
export { runAiReply, DEFAULT_FALLBACK_TEXT, DEFAULT_HAND_OVER_TEXT, type AiReplyOptions, type AiReplyResult, type ErrorBehaviour } from './reply';
export { createModelClient } from './clients';
export { ModelError, type ModelClient, type ModelConfig, type ModelErrorCode, type ModelProvider, type ModelRequest, type ModelResponse, type ToolCall, type ToolSpec, type Turn } from './types';
export { BUILT_IN_TOOLS, type BuiltInTool, type FlowTool, type FlowToolCall, type FlowToolRunner, type ToolOutcome } from './tools';
export { REPLY_POLICIES, type ReplyPolicy } from './policy';
export { DEFAULT_BUDGET, type ContextBudget } from './context';
export { DEFAULT_SYSTEM_PROMPT, type ExposedMetadata } from './prompt';
export type { ReplyConstraints } from './reply-constraints';
export type { ModelCallRecord, ModelCallTotals } from './usage';
export type { HandOver, HandOverTarget } from './hand-over';
