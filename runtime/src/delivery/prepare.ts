// DESIGN.md section 6 at delivery time: each target gets the content transcoded for its channel's
// capabilities, with the WhatsApp-style session window counted from the binding's last inbound
// message. The delivery records what was sent whenever it differs from the event's content, so a
// timeline can show what each participant actually received.
import { capabilitiesFor } from '../capabilities';
import type { Content as StrictContent } from '../content';
import type { ChannelRegistry } from '../channels';
import type { Binding, Content, JsonObject, RoomEvent } from '../model';
import { transcode as defaultTranscoder, type Transcoder } from '../transcode';
import type { PrepareContent } from './worker';

export function createPreparer(channels: ChannelRegistry, clock: () => number, transcoder: Transcoder = defaultTranscoder): PrepareContent {
  return (event: RoomEvent, target: Binding) => {
    const registered = channels.get(target.channelId);
    const capabilities = capabilitiesFor(registered?.profile ?? target.channelType, registered?.profileOverride);
    const windowMs = capabilities.sessionWindow?.durationMs;
    const result = transcoder(event.content as StrictContent, capabilities, {
      now: clock(),
      sessionWindowOpenUntil: windowMs && target.lastInboundAt ? Date.parse(target.lastInboundAt) + windowMs : null,
      bindingFallback: (target.windowFallback ?? undefined) as StrictContent | undefined,
    });
    if (!result.ok) return { failed: { code: result.code, reason: result.reason } };
    const parts = result.parts as unknown as Content[];
    if (parts.length === 1 && parts[0] === event.content) return { content: event.content };
    return {
      content: parts[0]!,
      parts,
      sent: {
        parts,
        degradations: result.degradations as unknown as JsonObject[],
        ...(result.sms ? { sms: result.sms as unknown as JsonObject } : {}),
        ...(result.options ? { options: result.options as unknown as JsonObject[] } : {}),
      },
    };
  };
}
