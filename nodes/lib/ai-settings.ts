// The settings of a `roomwire-ai-reply` node as the runtime's AI options, each checked with an
// error naming the setting (the runtime's schemas name msg fields; these name the node's).
import { BUILT_IN_TOOLS, REPLY_POLICIES, type AiReplyOptions, type BuiltInTool, type FlowTool, type ReplyPolicy } from '@roomwire/runtime';
import { AGENT_CHANNEL_ID } from './inbox';
import { commaList, fieldError } from './input';

export interface AiReplyNodeDef {
  policy?: string;
  systemPrompt?: string;
  maxEvents?: string | number;
  maxTokens?: string | number;
  smsSegments?: string | number;
  /** Built-in tools offered, comma-separated; empty: none. */
  tools?: string;
  /** JSON array of `{name, description, parameters}`: tools the flow answers. */
  flowTools?: string;
  flowToolTimeoutMs?: string | number;
  exposeRoomMetadata?: string;
  exposeBindingMetadata?: string;
  sideEffectsWhenReadOnly?: boolean;
  onError?: string;
  fallbackText?: string;
  handOverText?: string;
  /** Agents an escalation assigns the room to, comma-separated; empty: the room is flagged. */
  handOverAgents?: string;
  /** Their `agent` channel; default the engine's inbox channel. */
  handOverChannel?: string;
}

export type AiSettings = Omit<AiReplyOptions, 'bindingId' | 'eventId' | 'askedByFlow' | 'model' | 'runFlowTool' | 'correlationId'>;

function positiveInteger(value: string | number | undefined, fallback: number, field: string, max: number): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max) throw fieldError(field, `must be a whole number from 1 to ${max}`);
  return number;
}

const AGENT = /^[A-Za-z0-9._@+-]{1,64}$/;
const CHANNEL_ID = /^[A-Za-z0-9._:@+-]{1,128}$/;

function handOverTargetOf(def: AiReplyNodeDef): AiSettings['handOverTo'] {
  const agents = commaList(def.handOverAgents);
  if (agents.length === 0) return undefined;
  for (const agent of agents) if (!AGENT.test(agent)) throw fieldError('handOverAgents', `${JSON.stringify(agent)} is not a user name (1 to 64 letters, digits or . _ @ + -)`);
  const channelId = def.handOverChannel?.trim() || AGENT_CHANNEL_ID;
  if (!CHANNEL_ID.test(channelId)) throw fieldError('handOverChannel', `${JSON.stringify(channelId)} is not a channel id`);
  return { channelId, agents };
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function flowToolsOf(text: string | undefined): FlowTool[] {
  if (!text?.trim()) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw fieldError('flowTools', `is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw fieldError('flowTools', 'must be a JSON array of {name, description, parameters}');
  return parsed.map((tool: unknown, i) => {
    const t = tool as Partial<FlowTool> | null;
    if (!t || typeof t.name !== 'string' || !TOOL_NAME.test(t.name)) throw fieldError(`flowTools[${i}].name`, 'must be letters, digits, _ or - (at most 64)');
    if ((BUILT_IN_TOOLS as readonly string[]).includes(t.name)) throw fieldError(`flowTools[${i}].name`, `${t.name} is a built-in tool`);
    if (typeof t.description !== 'string' || !t.description.trim()) throw fieldError(`flowTools[${i}].description`, 'is required: the model reads it to decide when to call the tool');
    const parameters = t.parameters ?? { type: 'object', properties: {} };
    if (typeof parameters !== 'object' || (parameters as { type?: unknown }).type !== 'object') throw fieldError(`flowTools[${i}].parameters`, 'must be a JSON Schema of type object');
    return { name: t.name, description: t.description, parameters, ...(t.timeoutMs ? { timeoutMs: Number(t.timeoutMs) } : {}) } as FlowTool;
  });
}

export function aiSettingsOf(def: AiReplyNodeDef): AiSettings {
  const policy = (def.policy || 'every_customer_message') as ReplyPolicy;
  if (!REPLY_POLICIES.includes(policy)) throw fieldError('policy', `must be one of ${REPLY_POLICIES.join(', ')}`);
  const tools = commaList(def.tools ?? BUILT_IN_TOOLS.join(','));
  for (const tool of tools) if (!(BUILT_IN_TOOLS as readonly string[]).includes(tool)) throw fieldError('tools', `${JSON.stringify(tool)} is not a built-in tool (${BUILT_IN_TOOLS.join(', ')})`);
  const onError = def.onError || 'fallback';
  if (onError !== 'fallback' && onError !== 'escalate') throw fieldError('onError', 'must be fallback or escalate');
  return {
    policy,
    systemPrompt: def.systemPrompt || undefined,
    budget: { maxEvents: positiveInteger(def.maxEvents, 50, 'maxEvents', 1000), maxTokens: positiveInteger(def.maxTokens, 4000, 'maxTokens', 1_000_000) },
    smsSegments: positiveInteger(def.smsSegments, 1, 'smsSegments', 10),
    tools: tools as BuiltInTool[],
    flowTools: flowToolsOf(def.flowTools),
    flowToolTimeoutMs: positiveInteger(def.flowToolTimeoutMs, 30_000, 'flowToolTimeoutMs', 600_000),
    exposeMetadata: { room: commaList(def.exposeRoomMetadata), binding: commaList(def.exposeBindingMetadata) },
    sideEffectsWhenReadOnly: def.sideEffectsWhenReadOnly === true,
    onError,
    fallbackText: def.fallbackText || undefined,
    handOverText: def.handOverText || undefined,
    handOverTo: handOverTargetOf(def),
  };
}
