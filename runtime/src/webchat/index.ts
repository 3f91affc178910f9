// Web chat (DESIGN.md section 12): join tokens, the WebSocket protocol of one binding's view, the
// provider that delivers to connected pages, and the "start a chat" endpoint.
export { ChatHub, type ChatHubOptions } from './hub';
export { ChatServer, type ChatServerOptions } from './ws-server';
export { WebchatProvider } from './provider';
export { WEBCHAT_PROVIDER } from './provider-name';
export { startChat, type ChatStartSettings, type ChatStartInput, type ChatStarted } from './start';
export { createChatStartHandler, answerPreflight } from './http';
export { RateLimiter } from './rate-limit';
export { originAllowed, type ChatEndpoint, type ChatEndpoints } from './endpoint';
export { signChatToken, verifyChatToken, type ChatTokenClaims } from './tokens';
export { replyChoices, type ReplyChoice } from './choices';
export { parseClientFrame, PAGE_CONTENT_TYPES, type ClientFrame } from './frames';
export { CLOSE as CHAT_CLOSE_CODES, type ChatSocket } from './socket';
