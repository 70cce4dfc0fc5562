/** The one place the shells construct the client core (no Electron import: the browser shell uses it too). */
import { MessengerCore, type MessengerCoreOptions } from './core/index.js';
import type { CoreLike } from './dispatch.js';

export type CoreOptions = Pick<MessengerCoreOptions, 'server' | 'p2pHost' | 'clientName'>;

export function createCore(options: CoreOptions = {}): CoreLike {
  return new MessengerCore(options);
}
