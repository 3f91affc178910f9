// `roomwire-ai-reply`: an AI participant's turn. Given the event a `room in` node delivered to an
// AI binding (msg.bindingId, msg.eventId), the engine decides whether the AI is solicited, builds
// its visibility-safe context, calls the model of the `roomwire-ai-model` node with its tools and
// writes the reply through the pipeline. Output 1: the committed reply event. Output 2: tool calls
// the flow must answer (wire the answer back into this node's input with msg.toolCall.id, as
// `hook return` answers `hook`) and the side effects the tools produced.
import type { AiReplyResult, Engine, FlowToolCall, Json } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { aiSettingsOf, type AiReplyNodeDef, type AiSettings } from './lib/ai-settings';
import { answerToolCall, failToolCallsOf, openToolCall } from './lib/ai-tool-calls';
import { targetBindingId } from './lib/binding-ref';
import { useEngine } from './lib/engine-user';
import { translator } from './lib/i18n';
import { failureStatus, msgString, plain } from './lib/input';
import { migrated } from './lib/migrate';
import type { AiModelNode } from './lib/ai-model';

interface AiReplyDef extends NodeDef, AiReplyNodeDef {
  engine: string;
  model?: string;
}

/** A failed turn as a node error Catch nodes see: `code` is the model error's (timeout, unauthorized...). */
class AiReplyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AiReplyError';
  }
}

function isToolAnswer(msg: NodeMessageInFlow): msg is NodeMessageInFlow & { toolCall: { id: string } } {
  const call = msg.toolCall as { id?: unknown } | undefined;
  return typeof call === 'object' && call !== null && typeof call.id === 'string';
}

function toolCallMsg(call: FlowToolCall): NodeMessage {
  return { topic: 'tool_call', payload: plain(call.arguments), toolCall: { id: call.id, name: call.name }, roomId: call.roomId, bindingId: call.bindingId, eventId: call.eventId };
}

function outputs(result: AiReplyResult, msg: NodeMessageInFlow): [NodeMessage | null, NodeMessage[]] {
  // The text reply, else the last message the turn committed (a send_rich with nothing after it).
  const committed = result.written.filter((event) => event.status === 'committed');
  const reply = committed.find((event) => event.id === result.reply?.id) ?? committed.at(-1) ?? null;
  const summary = {
    status: result.status,
    modelCalls: result.modelCalls,
    escalated: result.escalated,
    ...(result.handOver ? { handOver: plain(result.handOver) } : {}),
    ...(result.error ? { error: result.error } : {}),
  };
  const first = reply ? { ...msg, topic: 'reply', payload: plain(reply), roomId: reply.roomId, eventId: reply.id, ai: summary } : null;
  const second: NodeMessage[] = result.tools
    .filter((outcome) => outcome.by === 'engine')
    .map((outcome) => ({ topic: 'side_effect', payload: plain(outcome), roomId: msg.roomId, bindingId: msg.bindingId, eventId: msg.eventId }));
  if (result.escalated) second.push({ topic: 'escalated', payload: summary, roomId: msg.roomId, bindingId: msg.bindingId, eventId: msg.eventId });
  return [first, second];
}

export = function (RED: NodeAPI): void {
  function RoomwireAiReplyNode(this: Node, raw: AiReplyDef): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const def = migrated(RED, raw);
    const _ = translator(RED);
    const engine = useEngine(RED, node, def.engine, { showState: false });
    const modelNode = def.model ? (RED.nodes.getNode(def.model) as AiModelNode | null) : null;
    let settings: AiSettings;
    try {
      settings = aiSettingsOf(def);
    } catch (error) {
      node.error((error as Error).message);
      node.status({ fill: 'red', shape: 'ring', text: _('roomwire-ai-reply.status.invalid') });
      return;
    }
    const model = () => modelNode?.client() ?? null;
    const idle = () =>
      model()
        ? node.status({ fill: 'green', shape: 'ring', text: _('roomwire-ai-reply.status.ready') })
        : node.status({ fill: 'yellow', shape: 'ring', text: _('roomwire-ai-reply.status.noModel') });
    try {
      idle();
    } catch (error) {
      node.status(failureStatus(error));
    }

    const runFlowTool = (send: (msg: (NodeMessage | NodeMessage[] | null)[]) => void) => (call: FlowToolCall, timeoutMs: number): Promise<Json> => {
      const answer = openToolCall(node.id, call, timeoutMs);
      send([null, toolCallMsg(call)]);
      return answer;
    };

    node.on('input', (msg, send, done) => {
      if (isToolAnswer(msg)) {
        const settled = answerToolCall(msg.toolCall.id, msg.error ? { error: new Error(String((msg.error as { message?: unknown }).message ?? msg.error)) } : { result: plain((msg.payload ?? null) as Json) });
        if (!settled) node.warn(_('roomwire-ai-reply.warn.late', { id: msg.toolCall.id }));
        done();
        return;
      }
      void (async () => {
        const running: Engine = await engine().ready();
        const bindingId = await targetBindingId(engine(), undefined, msg);
        node.status({ fill: 'blue', shape: 'dot', text: _('roomwire-ai-reply.status.thinking') });
        const result = await running.replyWithAi({
          ...settings,
          bindingId,
          eventId: msgString(msg, 'eventId'),
          askedByFlow: msg.ask === true,
          model: model(),
          runFlowTool: runFlowTool(send as never),
          ...(msgString(msg, 'correlationId') ? { correlationId: msgString(msg, 'correlationId') } : {}),
        });
        const [reply, effects] = outputs(result, msg);
        send([reply, effects]);
        if (result.status === 'skipped') {
          node.status({ fill: 'grey', shape: 'ring', text: _('roomwire-ai-reply.status.skipped', { reason: result.reason ?? '' }) });
        } else if (result.error?.code === 'no_model') {
          node.status({ fill: 'yellow', shape: 'ring', text: _('roomwire-ai-reply.status.noModel') });
        } else if (result.error) {
          throw new AiReplyError(result.error.code, result.error.message);
        } else {
          node.status({ fill: 'green', shape: 'dot', text: _('roomwire-ai-reply.status.replied', { calls: result.modelCalls }) });
        }
      })().then(
        () => done(),
        (error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error));
          node.status(failureStatus(failure));
          done(failure);
        },
      );
    });

    node.on('close', () => failToolCallsOf(node.id, new Error(_('roomwire-ai-reply.errors.stopped'))));
  }

  RED.nodes.registerType('roomwire-ai-reply', RoomwireAiReplyNode);
};
