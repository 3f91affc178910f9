// The web chat channels deployed in this Node-RED, by channel id: what the chat routes and the
// WebSocket endpoint look a request's channel up in. A channel node adds its entry when it starts
// and removes it when it closes.
import type { ChatEndpoint } from '@roomwire/runtime';

const endpoints = new Map<string, ChatEndpoint>();

export function chatEndpoint(channelId: string): ChatEndpoint | undefined {
  return endpoints.get(channelId);
}

/** Serves `channelId` with `endpoint` until the returned release is called. */
export function serveChatEndpoint(channelId: string, endpoint: ChatEndpoint): () => void {
  endpoints.set(channelId, endpoint);
  return () => {
    if (endpoints.get(channelId) === endpoint) endpoints.delete(channelId);
  };
}
