/** The provider name of web chat channels (a channel's `provider`): tokens open only their bindings. */
export const WEBCHAT_PROVIDER = 'webchat';
