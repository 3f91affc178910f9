// "Start a chat": what an anonymous visitor's page asks for first. Creates a room with the
// visitor's web chat binding (and the participants the channel's settings add), per the
// channel's settings, and returns a join token for that binding only.
import { randomUUID } from 'node:crypto';
import type { Engine } from '../engine';
import type { Access, Audience, Binding, JsonObject, RoomTimers } from '../model';

export interface ChatStartSettings {
  channelId: string;
  /** Lifecycle timers of every room started here (DESIGN.md section 9). */
  timers?: RoomTimers;
  /** Lifetime of the visitor's token. */
  tokenTtlSeconds?: number;
  /** Participants added to every new room (a flow channel, an AI...). */
  participants?: { channelId: string; address: string; audience?: Audience; access?: Access }[];
}

export interface ChatStartInput {
  /** What the visitor typed as their name (optional). */
  name?: string;
}

export interface ChatStarted {
  token: string;
  expiresAt: string;
  roomId: string;
  bindingId: string;
}

export async function startChat(engine: Engine, settings: ChatStartSettings, input: ChatStartInput = {}): Promise<ChatStarted> {
  const address = `web-${randomUUID()}`;
  const name = input.name?.trim().slice(0, 64);
  const metadata: JsonObject = name ? { displayName: name } : {};
  const { room, bindings } = await engine.call<{ room: { id: string }; bindings: Binding[] }>('createRoom', {
    ...(settings.timers && Object.keys(settings.timers).length > 0 ? { timers: settings.timers } : {}),
    metadata: { startedOn: settings.channelId },
    bindings: [
      { channelId: settings.channelId, address, audience: 'external', ...(name ? { displayName: name } : {}), metadata },
      ...(settings.participants ?? []),
    ],
  });
  const visitor = bindings.find((b) => b.channelId === settings.channelId && b.address === address)!;
  const token = await engine.call<{ token: string; expiresAt: string }>('issueChatToken', {
    bindingId: visitor.id,
    ...(settings.tokenTtlSeconds ? { ttlSeconds: settings.tokenTtlSeconds } : {}),
  });
  return { token: token.token, expiresAt: token.expiresAt, roomId: room.id, bindingId: visitor.id };
}
