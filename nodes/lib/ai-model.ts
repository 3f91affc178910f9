// How an `ai reply` node reaches the client of its `roomwire-ai-model` config node.
import type { ModelClient } from '@roomwire/runtime';
import type { Node } from 'node-red';

export interface AiModelNode extends Node {
  /** The client, or null when no model name is set ("no model": the room is handed to a human). */
  client(): ModelClient | null;
}
