// Tools an AI binding may call (issue 12). Every built-in tool runs through the operations table
// (the same rules as a REST or MCP caller acting as that binding), so a tool can do nothing a
// participant could not. `escalate` hands the room to a human: the room is flagged
// (`needsHuman: true`), a task carries the AI's summary, and the AI binding is muted once its
// current reply is written (so the customer hears the hand-over, then the AI stays quiet).
import { newId } from '../ids';
import type { OperationParts } from '../operations/define';
import type { Binding, Json, JsonObject, RoomEvent } from '../model';
import { handOver, type HandOver, type HandOverTarget } from './hand-over';
import { callOperation as call } from './operation-call';
import type { ReplyConstraints } from './reply-constraints';
import type { ToolCall, ToolSpec } from './types';

export const BUILT_IN_TOOLS = ['create_task', 'add_observation', 'set_room_metadata', 'escalate', 'send_rich'] as const;
export type BuiltInTool = (typeof BUILT_IN_TOOLS)[number];

/** A tool the flow implements: the call leaves the node with an id, the flow's answer (or a timeout) is the result. */
export interface FlowTool extends ToolSpec {
  timeoutMs?: number;
}

export interface FlowToolCall {
  id: string;
  name: string;
  arguments: JsonObject;
  roomId: string;
  bindingId: string;
  eventId: string | null;
}

export type FlowToolRunner = (call: FlowToolCall, timeoutMs: number) => Promise<Json>;

/** What one tool call did: the node's second output carries these. */
export interface ToolOutcome {
  callId: string;
  name: string;
  arguments: JsonObject;
  ok: boolean;
  result: Json;
  /** Flow tools: answered by the flow; built-ins: run by the engine. */
  by: 'engine' | 'flow';
}

const text = (description: string, maxLength: number) => ({ type: 'string', description, maxLength });

const SPECS: Record<BuiltInTool, ToolSpec> = {
  create_task: {
    name: 'create_task',
    description: 'Create a follow-up task for the team (it is not shown to the customer).',
    parameters: {
      type: 'object',
      properties: { title: text('Short title of the task', 256), description: text('What needs doing and why', 4096), assignee: text('Who should do it, if known', 256) },
      required: ['title'],
    },
  },
  add_observation: {
    name: 'add_observation',
    description: 'Record something you noticed about the conversation or the customer (kept for the team, not shown to the customer).',
    parameters: {
      type: 'object',
      properties: { content: text('The observation', 4096), category: text('A one-word category such as sentiment or intent', 64), confidence: { type: 'number', minimum: 0, maximum: 1 } },
      required: ['content'],
    },
  },
  set_room_metadata: {
    name: 'set_room_metadata',
    description: 'Store facts about this conversation as key/value pairs on the room (for example an order number).',
    parameters: { type: 'object', properties: { metadata: { type: 'object', description: 'Keys and values to merge into the room metadata' } }, required: ['metadata'] },
  },
  escalate: {
    name: 'escalate',
    description:
      'Hand the conversation to a human agent: when the customer asks for a person, or when you are unsure or cannot help. Write a short summary for the agent. After this you stop replying; your reply in this turn should tell the customer a person will take over.',
    parameters: { type: 'object', properties: { summary: text('What the customer needs and what was said so far, for the agent', 4096), reason: text('Why you hand over', 256) }, required: ['summary'] },
  },
  send_rich: {
    name: 'send_rich',
    description: 'Send a message with reply buttons (it is sent as it is; do not repeat its text in your reply).',
    parameters: {
      type: 'object',
      properties: {
        text: text('The message text', 4096),
        buttons: { type: 'array', minItems: 1, items: { type: 'object', properties: { title: { type: 'string' }, postback: { type: 'string' } }, required: ['title'] } },
      },
      required: ['text', 'buttons'],
    },
  },
};

const LIST = {
  type: 'object',
  description: 'A menu of rows behind one button, for more choices than buttons allow (instead of buttons)',
  properties: {
    button: text('Label of the button that opens the list', 20),
    sections: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          title: { type: 'string' },
          rows: { type: 'array', minItems: 1, items: { type: 'object', properties: { id: { type: 'string' }, title: { type: 'string' }, description: { type: 'string' } }, required: ['id', 'title'] } },
        },
        required: ['rows'],
      },
    },
  },
  required: ['button', 'sections'],
};

/** send_rich as the receivers allow: buttons, and a list where every receiver with buttons shows lists; the limits in its description. */
function sendRichSpec(constraints: ReplyConstraints): ToolSpec {
  const { max, titleMax } = constraints.buttons!;
  const limits = [max !== null ? `at most ${max} buttons` : '', titleMax !== null ? `titles of at most ${titleMax} characters` : ''].filter(Boolean).join(', ');
  const base = SPECS.send_rich;
  if (!constraints.list) return { ...base, description: limits ? `${base.description} Use ${limits}.` : base.description };
  const { maxRows, rowTitleMax } = constraints.list;
  const listLimits = [maxRows !== null ? `at most ${maxRows} rows` : '', rowTitleMax !== null ? `row titles of at most ${rowTitleMax} characters` : ''].filter(Boolean).join(', ');
  const parameters = base.parameters as { properties: JsonObject };
  return {
    name: base.name,
    description: `Send a message with reply buttons or a list of choices, one or the other (it is sent as it is; do not repeat its text in your reply).${limits ? ` Buttons: ${limits}.` : ''}${listLimits ? ` List: ${listLimits}.` : ''}`,
    parameters: { type: 'object', properties: { ...parameters.properties, list: LIST }, required: ['text'] },
  };
}

/** Tool specs for one turn: send_rich only when some receiver shows buttons. */
export function toolSpecs(enabled: readonly BuiltInTool[], constraints: ReplyConstraints, flowTools: FlowTool[]): ToolSpec[] {
  const specs: ToolSpec[] = [];
  for (const name of enabled) {
    if (name === 'send_rich') {
      if (constraints.buttons) specs.push(sendRichSpec(constraints));
    } else {
      specs.push(SPECS[name]);
    }
  }
  return [...specs, ...flowTools.map(({ name, description, parameters }) => ({ name, description, parameters }))];
}

export interface ToolScope {
  parts: OperationParts;
  ai: Binding;
  trigger: RoomEvent | null;
  chainDepth: number;
  flowTools: FlowTool[];
  runFlowTool?: FlowToolRunner;
  defaultFlowToolTimeoutMs: number;
  /** The agents an escalation assigns the room to; none: the room is flagged for a human. */
  handOverTo?: HandOverTarget;
  /** Set by `escalate`: the binding is muted after the reply of this turn is written. */
  escalation: { summary: string; reason: string | null; handOver: HandOver } | null;
  /** Events the tools wrote (send_rich), in order. */
  written: RoomEvent[];
}

/** Runs one call of an offered tool (reply.ts refuses others); a tool that fails is a result the model reads. */
export async function runTool(scope: ToolScope, toolCall: ToolCall): Promise<ToolOutcome> {
  const flowTool = scope.flowTools.find((tool) => tool.name === toolCall.name);
  const outcome = (ok: boolean, result: Json, by: ToolOutcome['by']): ToolOutcome => ({ callId: toolCall.id, name: toolCall.name, arguments: toolCall.arguments, ok, result, by });
  try {
    if (flowTool) {
      if (!scope.runFlowTool) throw new Error('no flow is wired to answer this tool');
      const timeoutMs = flowTool.timeoutMs ?? scope.defaultFlowToolTimeoutMs;
      // An id of its own: the model's call ids are unique within one of its answers only (the first
      // call is `call_0` in many of them), and the flow's answer must find this call, not another room's.
      const answer = scope.runFlowTool(
        { id: newId('tc'), name: toolCall.name, arguments: toolCall.arguments, roomId: scope.ai.roomId, bindingId: scope.ai.id, eventId: scope.trigger?.id ?? null },
        timeoutMs,
      );
      return outcome(true, await withTimeout(answer, timeoutMs, `the flow did not answer tool ${toolCall.name} within ${timeoutMs} ms`), 'flow');
    }
    return outcome(true, await runBuiltIn(scope, toolCall.name as BuiltInTool, toolCall.arguments), 'engine');
  } catch (error) {
    return outcome(false, { error: error instanceof Error ? error.message : String(error) }, flowTool ? 'flow' : 'engine');
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Room metadata keys the engine gives meaning to (who has the room, whether it waits for a human,
 * how inbound traffic finds it): set through their own operations, which keep their rules
 * (`assignRoom`, `escalate`), never by the model.
 */
const ENGINE_KEYS = new Set(['assignedTo', 'needsHuman', 'routing']);

/**
 * The arguments the tool declares, under the AI's own room, binding and triggering event: a model
 * that adds `roomId` or `bindingId` to its arguments still writes only where it speaks.
 */
function declaredArguments(tool: BuiltInTool, args: JsonObject, origin: JsonObject): JsonObject {
  const declared = Object.keys((SPECS[tool].parameters as { properties: JsonObject }).properties);
  return { ...Object.fromEntries(declared.filter((key) => key in args).map((key) => [key, args[key]!])), ...origin };
}

async function runBuiltIn(scope: ToolScope, name: BuiltInTool, args: JsonObject): Promise<Json> {
  const { parts, ai } = scope;
  const origin = { roomId: ai.roomId, bindingId: ai.id, ...(scope.trigger ? { eventId: scope.trigger.id } : {}) };
  switch (name) {
    case 'create_task': {
      const task = await call<{ id: string }>(parts, 'createTask', declaredArguments(name, args, origin));
      return { taskId: task.id };
    }
    case 'add_observation': {
      const observation = await call<{ id: string }>(parts, 'addObservation', declaredArguments(name, args, origin));
      return { observationId: observation.id };
    }
    case 'set_room_metadata': {
      const metadata = args.metadata;
      if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw new Error('metadata must be an object of keys and values');
      const managed = Object.keys(metadata).filter((key) => ENGINE_KEYS.has(key));
      if (managed.length > 0) throw new Error(`${managed.join(', ')} ${managed.length === 1 ? 'is' : 'are'} kept by the engine; use escalate to hand the conversation over`);
      await call(parts, 'updateRoomMetadata', { roomId: ai.roomId, metadata });
      // What the model wrote, not the room's metadata: keys the node did not expose stay unseen.
      return { stored: Object.keys(metadata) };
    }
    case 'escalate': {
      return escalate(scope, String(args.summary ?? ''), typeof args.reason === 'string' ? args.reason : null);
    }
    case 'send_rich': {
      const list = args.list as JsonObject | undefined;
      if ((list === undefined) === (args.buttons === undefined)) throw new Error('give either buttons or a list (one of them, not both)');
      const content = list !== undefined ? { type: 'list', text: args.text, button: list.button, sections: list.sections } : { type: 'rich', text: args.text, buttons: args.buttons };
      const written = await call<{ event: RoomEvent }>(parts, 'sendEvent', { roomId: ai.roomId, bindingId: ai.id, chainDepth: scope.chainDepth, content });
      scope.written.push(written.event);
      return { eventId: written.event.id, status: written.event.status };
    }
  }
}

/**
 * The room is assigned to an agent (or flagged for a human) and a task created now; the mute waits
 * for the end of the turn (see finishEscalation). A second escalation in one turn changes nothing.
 */
export async function escalate(scope: ToolScope, summary: string, reason: string | null): Promise<Json> {
  const { parts, ai } = scope;
  if (scope.escalation) return { handedOver: true, ...scope.escalation.handOver };
  const outcome = await handOver(parts, ai.roomId, scope.handOverTo);
  const task = await call<{ id: string }>(parts, 'createTask', {
    roomId: ai.roomId,
    bindingId: ai.id,
    ...(scope.trigger ? { eventId: scope.trigger.id } : {}),
    title: reason ? `Hand-over to a human: ${reason}`.slice(0, 256) : 'Hand-over to a human',
    description: (summary || 'The AI assistant handed this conversation over.').slice(0, 4096),
    ...('assignedTo' in outcome ? { assignee: outcome.assignedTo } : {}),
  });
  scope.escalation = { summary, reason, handOver: outcome };
  return { taskId: task.id, handedOver: true, ...outcome };
}

export async function finishEscalation(scope: ToolScope): Promise<void> {
  if (scope.escalation) await call(scope.parts, 'updateBinding', { bindingId: scope.ai.id, muted: true });
}
