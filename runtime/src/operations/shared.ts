// Small checks shared by several operation groups.
import type { EngineParts } from '../engine-parts';
import { notFound } from '../errors';
import type { Room } from '../model';
import { checkMetadataSize } from '../validation';

export function checkMetadata(input: { metadata?: unknown }): void {
  checkMetadataSize(input.metadata, 'metadata');
}

export async function requireRoom(parts: Pick<EngineParts, 'store' | 'cache'>, roomId: string): Promise<Room> {
  const room = parts.cache.peek(roomId)?.room ?? (await parts.store.getRoom(roomId));
  if (!room) throw notFound('room', roomId, 'roomId');
  return room;
}
