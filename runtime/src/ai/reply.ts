// One AI turn (DESIGN.md section 11, issue 12): decide whether the AI binding is solicited, build
// its visibility-safe context and capability-aware instructions, call the model with its tools
// (built-ins through the operations table, flow tools through the host), and write the final text
// as one event through the pipeline — as the AI binding, so access, mute and chain depth apply.
// Every model call is recorded. A model failure becomes a clear error, an observation in the room
// and, per setting, a fallback text or an escalation: never a crash, a silent drop or half a reply.
import type { EngineParts } from '../engine-parts';
import type { OperationParts } from '../operations/define';
import { RoomwireError, notFound } from '../errors';
import type { Binding, Identity, Room, RoomEvent } from '../model';
import { writeGate } from '../permissions';
import { buildContext, type ContextBudget } from './context';
import { policyOf, solicited, type ReplyPolicy } from './policy';
import { systemPrompt, type ExposedMetadata } from './prompt';
import { constraintInstructions, receiversOf, replyConstraints, type ReplyConstraints } from './reply-constraints';
import { callOperation } from './operation-call';
import type { HandOver, HandOverTarget } from './hand-over';
import { BUILT_IN_TOOLS, escalate, finishEscalation, runTool, toolSpecs, type BuiltInTool, type FlowTool, type FlowToolRunner, type ToolOutcome, type ToolScope } from './tools';
import { recordModelCall } from './usage';
import { ModelError, type ModelClient, type ModelResponse, type Turn } from './types';

export type ErrorBehaviour = 'fallback' | 'escalate';

export interface AiReplyOptions {
  /** The AI participant: a binding (normally on a channel of type `ai`). */
  bindingId: string;
  /** The event to answer (what a `room in` node delivered); optional when a flow asks directly. */
  eventId?: string;
  /** A flow asks the AI to speak now, whatever its reply policy. */
  askedByFlow?: boolean;
  /** null: no model configured; the room gets a polite hand-over to a human. */
  model: ModelClient | null;
  systemPrompt?: string;
  policy?: ReplyPolicy;
  budget?: ContextBudget;
  /** SMS segments a reply may cost (default 1). */
  smsSegments?: number;
  tools?: readonly BuiltInTool[];
  flowTools?: FlowTool[];
  runFlowTool?: FlowToolRunner;
  flowToolTimeoutMs?: number;
  exposeMetadata?: ExposedMetadata;
  /** A read-only AI calls the model only when this is set, to produce side effects. */
  sideEffectsWhenReadOnly?: boolean;
  onError?: ErrorBehaviour;
  /** Agents an escalation assigns the room to (the least loaded); none: the room is flagged `needsHuman`. */
  handOverTo?: HandOverTarget;
  fallbackText?: string;
  handOverText?: string;
  /** Model calls of one turn at most (each tool round is one); default 5. */
  maxModelCalls?: number;
  correlationId?: string;
}

export interface AiReplyResult {
  status: 'replied' | 'skipped' | 'failed';
  /** Why the AI stayed silent (skipped). */
  reason?: string;
  /** The final text reply (committed, or blocked when the AI is muted or read-only). */
  reply: RoomEvent | null;
  /** Every event this turn wrote, in order (rich messages, the reply, a fallback or hand-over text). */
  written: RoomEvent[];
  tools: ToolOutcome[];
  modelCalls: number;
  escalated: boolean;
  /** An escalation's outcome: the agent the room was assigned to, or the flag (and why assigning failed). */
  handOver: HandOver | null;
  constraints: ReplyConstraints | null;
  error?: { code: string; message: string };
}

export const DEFAULT_FALLBACK_TEXT = 'Sorry, I cannot answer right now. A colleague will get back to you.';
export const DEFAULT_HAND_OVER_TEXT = 'Thank you for your message. A member of our team will reply to you shortly.';

interface TurnState {
  room: Room;
  ai: Binding;
  bindings: Binding[];
  trigger: RoomEvent | null;
}

async function load(parts: OperationParts, options: AiReplyOptions): Promise<TurnState> {
  const stored = await parts.store.getBinding(options.bindingId);
  if (!stored) throw notFound('binding', options.bindingId, 'bindingId');
  const { room, bindings } = await callOperation<{ room: Room; bindings: Binding[] }>(parts, 'getRoom', { roomId: stored.roomId });
  const ai = bindings.find((b) => b.id === stored.id) ?? stored;
  let trigger: RoomEvent | null = null;
  if (options.eventId) {
    trigger = await parts.store.getEvent(options.eventId);
    if (!trigger || trigger.roomId !== room.id) throw notFound('event', options.eventId, 'eventId');
  }
  return { room, ai, bindings, trigger };
}

async function nameOf(parts: Pick<EngineParts, 'store'>, ai: Binding): Promise<string> {
  const identity: Identity | null = ai.identityId ? await parts.store.getIdentity(ai.identityId) : null;
  return identity?.displayName || ai.address;
}

export async function runAiReply(parts: OperationParts, options: AiReplyOptions): Promise<AiReplyResult> {
  const state = await load(parts, options);
  const { room, ai, bindings, trigger } = state;
  const silent = (reason: string): AiReplyResult => ({ status: 'skipped', reason, reply: null, written: [], tools: [], modelCalls: 0, escalated: false, handOver: null, constraints: null });
  if (ai.state === 'left') return silent('the AI binding has left the room');
  if (room.state === 'closed' || room.state === 'archived') return silent(`the room is ${room.state}`);
  const aiName = await nameOf(parts, ai);
  const decision = solicited(policyOf(ai, options.policy ?? 'every_customer_message'), ai, trigger, bindings, [ai.address, aiName], options.askedByFlow === true);
  if (!decision.answer) return silent(decision.reason);
  const readOnly = writeGate(ai) === 'read_only';
  if (readOnly && !options.sideEffectsWhenReadOnly) return silent('the AI binding is read-only');

  const chainDepth = (trigger?.chainDepth ?? 0) + 1;
  const scope: ToolScope = {
    parts,
    ai,
    trigger,
    chainDepth,
    flowTools: options.flowTools ?? [],
    runFlowTool: options.runFlowTool,
    defaultFlowToolTimeoutMs: options.flowToolTimeoutMs ?? 30_000,
    ...(options.handOverTo ? { handOverTo: options.handOverTo } : {}),
    escalation: null,
    written: [],
  };
  const result: AiReplyResult = { status: 'replied', reply: null, written: scope.written, tools: [], modelCalls: 0, escalated: false, handOver: null, constraints: null };
  const say = async (text: string): Promise<RoomEvent> => {
    const { event } = await callOperation<{ event: RoomEvent }>(parts, 'sendEvent', {
      roomId: room.id,
      bindingId: ai.id,
      chainDepth,
      content: { type: 'text', text },
      ...(options.correlationId ? { correlationId: options.correlationId } : {}),
    });
    scope.written.push(event);
    return event;
  };

  try {
    if (!options.model) throw new ModelError('no_model', 'no model is configured for this AI participant');
    const constraints = replyConstraints(parts.channels, receiversOf(ai, bindings), { smsSegments: options.smsSegments });
    result.constraints = constraints;
    const enabled = (options.tools ?? BUILT_IN_TOOLS).filter((name) => !(readOnly && name === 'send_rich'));
    const tools = toolSpecs(enabled, constraints, options.flowTools ?? []);
    const context = await buildContext(parts, ai, bindings, options.budget);
    const system = systemPrompt({ prompt: options.systemPrompt, ai, aiName, room, bindings, instructions: constraintInstructions(constraints), exposed: options.exposeMetadata, replyIsBlocked: readOnly });
    const turns: Turn[] = context.turns.length > 0 ? [...context.turns] : [{ role: 'user', text: '(the conversation has no messages yet: greet the customer)' }];
    const maxCalls = options.maxModelCalls ?? 5;
    let text = '';
    for (;;) {
      if (result.modelCalls >= maxCalls) throw new ModelError('too_many_tool_rounds', `the model was still calling tools after ${maxCalls} calls`);
      const response = await recordedCall(parts, options.model, ai, trigger, { system, turns, tools }, () => result.modelCalls++);
      if (response.toolCalls.length === 0) {
        text = response.text.trim();
        break;
      }
      const outcomes: ToolOutcome[] = [];
      for (const toolCall of response.toolCalls) outcomes.push(await runTool(scope, toolCall));
      result.tools.push(...outcomes);
      turns.push({ role: 'assistant', text: response.text, toolCalls: response.toolCalls });
      turns.push({ role: 'tool', results: outcomes.map((o) => ({ callId: o.callId, name: o.name, content: JSON.stringify(o.result), isError: !o.ok })) });
    }
    if (text) result.reply = await say(text);
    else if (result.tools.length === 0) throw new ModelError('bad_response', 'the model answered with neither text nor a tool call');
    await finishEscalation(scope);
    result.escalated = scope.escalation !== null;
    result.handOver = scope.escalation?.handOver ?? null;
    return result;
  } catch (error) {
    // What the model wrote is not a valid message (over the content limits): the model's failure,
    // handled like any other, so the customer is not left in silence.
    if (error instanceof RoomwireError && error.code === 'invalid_input') {
      return failTurn(parts, options, scope, result, new ModelError('bad_response', `the model's reply was refused: ${error.message}`), say);
    }
    if (error instanceof RoomwireError && error.code !== 'internal') {
      // The room refused the write (closed meanwhile, the AI left...): nothing to hand over.
      return { ...result, status: 'failed', error: { code: error.code, message: error.message } };
    }
    return failTurn(parts, options, scope, result, error, say);
  }
}

/** One model call, recorded whatever its outcome. */
async function recordedCall(
  parts: Pick<EngineParts, 'store' | 'clock'>,
  model: ModelClient,
  ai: Binding,
  trigger: RoomEvent | null,
  request: Parameters<ModelClient['complete']>[0],
  counted: () => void,
): Promise<ModelResponse> {
  const started = Date.now();
  counted();
  const base = { bindingId: ai.id, eventId: trigger?.id ?? null, provider: model.provider };
  let response: ModelResponse | null = null;
  let failure: ModelError | null = null;
  try {
    response = await model.complete(request);
    const unknown = response.toolCalls.find((call) => !request.tools.some((tool) => tool.name === call.name));
    if (unknown) {
      const offered = request.tools.map((tool) => tool.name).join(', ') || 'none';
      failure = new ModelError('unknown_tool', `the model called tool ${JSON.stringify(unknown.name)}, which it was not offered (offered: ${offered})`);
    }
  } catch (error) {
    failure = error instanceof ModelError ? error : new ModelError('bad_response', error instanceof Error ? error.message : String(error));
  }
  await recordModelCall(parts, ai.roomId, {
    ...base,
    model: response?.model ?? model.model,
    inputTokens: response?.usage.inputTokens ?? 0,
    outputTokens: response?.usage.outputTokens ?? 0,
    latencyMs: Date.now() - started,
    toolCalls: response?.toolCalls.map((c) => c.name) ?? [],
    error: failure ? { code: failure.code, message: failure.message } : null,
  });
  if (failure) throw failure;
  return response!;
}

async function failTurn(
  parts: OperationParts,
  options: AiReplyOptions,
  scope: ToolScope,
  result: AiReplyResult,
  error: unknown,
  say: (text: string) => Promise<RoomEvent>,
): Promise<AiReplyResult> {
  const failure = error instanceof ModelError ? error : new ModelError('bad_response', error instanceof Error ? error.message : String(error));
  const failed: AiReplyResult = { ...result, status: 'failed', error: { code: failure.code, message: failure.message } };
  const noModel = failure.code === 'no_model';
  try {
    await callOperation(parts, 'addObservation', {
      roomId: scope.ai.roomId,
      bindingId: scope.ai.id,
      ...(scope.trigger ? { eventId: scope.trigger.id } : {}),
      category: 'ai_error',
      content: `The AI assistant could not answer: ${failure.message}`.slice(0, 4096),
    });
    // No model at all: a polite hand-over rather than silence. A muted AI was already silenced (it
    // handed over before, or a person muted it): the room is the humans' and is not handed over again,
    // so a customer writing on in such a room does not pile up tasks or move between agents.
    if (noModel || options.onError === 'escalate') {
      const handedOverBefore = scope.ai.muted && !scope.escalation;
      if (!handedOverBefore && !scope.escalation) await escalate(scope, `The AI assistant could not answer (${failure.code}). The customer is waiting for a reply.`, noModel ? 'no AI model configured' : `AI error ${failure.code}`);
      failed.reply = await say(options.handOverText || DEFAULT_HAND_OVER_TEXT);
      await finishEscalation(scope);
      failed.escalated = scope.escalation !== null;
      failed.handOver = scope.escalation?.handOver ?? null;
    } else {
      failed.reply = await say(options.fallbackText || DEFAULT_FALLBACK_TEXT);
      // An escalation the model asked for before the failure still completes.
      await finishEscalation(scope);
      failed.escalated = scope.escalation !== null;
      failed.handOver = scope.escalation?.handOver ?? null;
    }
  } catch (secondary) {
    failed.error = { code: failure.code, message: `${failure.message}; and its fallback failed too: ${secondary instanceof Error ? secondary.message : String(secondary)}` };
  }
  return failed;
}
