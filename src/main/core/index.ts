export { MessengerCore, MAX_QUEUED_MESSAGES, type MessengerCoreOptions } from './messenger-core.js';
export { DEFAULT_RECONNECT, type ReconnectPolicy } from './backoff.js';
export { ServerConnection } from './server-connection.js';
export { CoreError } from './errors.js';
