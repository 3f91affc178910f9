// `roomwire-transcode`: what a channel would receive for some content, through the
// `transcodeContent` operation (the same transcoder deliveries use). The first message goes out as
// msg.payload, so wiring this node into `roomwire-send` sends that form as it is; a content the
// channel cannot take (closed session window, too long, unsupported) fails through done(err).
import type { Content, JsonObject } from '@roomwire/runtime';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow, NodeStatus } from 'node-red';
import { configuredChannelId } from './lib/channel-config';
import { contentOf } from './lib/content-input';
import { useEngine } from './lib/engine-user';
import { defined, fieldError, handleInput, msgString, plain } from './lib/input';
import { translator, type Translate } from './lib/i18n';
import { migrated } from './lib/migrate';
import { nodeStatus } from './lib/node-status';

interface TranscodeNodeDef extends NodeDef {
  engine: string;
  /** What the content is transcoded for: a channel node, a built-in profile, or what msg names. */
  target?: 'channel' | 'profile' | 'msg';
  /** Target `channel`: a `roomwire-channel` config node, whose profile and overrides apply. */
  channel?: string;
  /** Target `profile`: a built-in profile name. */
  channelType?: string;
  /** Most SMS segments; empty: the channel's own limit (or msg.maxParts). */
  maxParts?: string | number;
  smartEncoding?: boolean;
}

interface SmsCost {
  encoding: string;
  segments: number;
}

type Transcoded =
  | { ok: true; profile: string; parts: Content[]; degradations: JsonObject[]; sms?: SmsCost; options?: JsonObject[] }
  | { ok: false; profile: string; code: string; reason: string; degradations: JsonObject[] };

/** A transcoding refusal: `code` (outside_window, too_long, unsupported) reaches Catch nodes as msg.error.code. */
class TranscodeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TranscodeError';
  }
}

/** From msg, channel id wins over channel type: a registered channel may override its profile. */
function target(RED: NodeAPI, def: TranscodeNodeDef, msg: NodeMessageInFlow): { channelId: string } | { channelType: string } {
  if (def.target === 'channel') {
    const channelId = configuredChannelId(RED, def.channel);
    if (!channelId) throw fieldError('channel', 'is required: pick a channel on the node');
    return { channelId };
  }
  if (def.target === 'profile') {
    if (!def.channelType) throw fieldError('channelType', 'is required: pick a profile on the node');
    return { channelType: def.channelType };
  }
  const fromMsg = msgString(msg, 'channelId');
  if (fromMsg) return { channelId: fromMsg };
  const type = msgString(msg, 'channelType');
  if (type) return { channelType: type };
  throw fieldError('channelType', 'is required: set msg.channelType or msg.channelId, or pick a channel or a profile on the node');
}

function maxParts(setting: TranscodeNodeDef['maxParts'], msg: NodeMessageInFlow): number | undefined {
  const value = setting === undefined || setting === '' ? msg.maxParts : Number(setting);
  if (value === undefined || value === null || value === '') return undefined;
  if (!Number.isInteger(value)) throw fieldError('maxParts', 'must be a whole number of SMS segments');
  return value as number;
}

/** ISO 8601, or milliseconds since the epoch as Date.now() gives. */
function windowOpenUntil(msg: NodeMessageInFlow): string | undefined {
  const value = msg.sessionWindowOpenUntil;
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  if (typeof value === 'string') return value;
  throw fieldError('msg.sessionWindowOpenUntil', 'must be an ISO date-time or milliseconds since the epoch');
}

function statusOf(_: Translate, result: Extract<Transcoded, { ok: true }>): NodeStatus {
  const degraded = result.degradations.length > 0;
  const count = (key: string, n: number) => _(`roomwire-transcode.status.${key}${n === 1 ? '' : '_plural'}`, { count: n });
  const text = result.sms
    ? _('roomwire-transcode.status.sms', { profile: result.profile, encoding: result.sms.encoding, segments: count('segments', result.sms.segments) })
    : _('roomwire-transcode.status.done', { profile: result.profile, change: degraded ? count('degradations', result.degradations.length) : _('roomwire-transcode.status.unchanged') });
  return { fill: degraded ? 'yellow' : 'green', shape: 'dot', text };
}

export = function (RED: NodeAPI): void {
  function RoomwireTranscodeNode(this: Node, raw: TranscodeNodeDef): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const def = migrated(RED, raw);
    const _ = translator(RED);
    const status = nodeStatus(node);
    const engine = useEngine(RED, node, def.engine);

    handleInput(node, async (msg) => {
      const result = await engine().call<Transcoded>(
        'transcodeContent',
        defined({
          content: contentOf(msg.payload),
          ...target(RED, def, msg),
          sessionWindowOpenUntil: windowOpenUntil(msg),
          bindingFallback: msg.windowFallback,
          maxParts: maxParts(def.maxParts, msg),
          smartEncoding: def.smartEncoding !== false,
        }),
      );
      if (!result.ok) throw new TranscodeError(result.code, `${result.profile} ${result.code}: ${result.reason}`);
      status.often(() => statusOf(_, result));
      const parts = plain(result.parts);
      return {
        ...msg,
        payload: parts[0],
        parts,
        profile: result.profile,
        sms: result.sms,
        degradations: plain(result.degradations),
        options: plain(result.options ?? []),
      };
    });
  }

  RED.nodes.registerType('roomwire-transcode', RoomwireTranscodeNode);
};
