/**
 * A BusListener whose exceptions are reported instead of thrown. A bus calls its listener from
 * places where a throw would do harm: inside another node's publish call (./local-bus.ts), or
 * inside the Redis client's message handler, where it would break the connection
 * (./redis-bus.ts). One bad event must not stop the events after it.
 */
import type { ServerFrame } from '../../src/shared/protocol.js';
import type { BroadcastEvent, BusListener, DirectoryEntry, PresenceEvent } from './bus.js';

export type Warn = (message: string) => void;

/** Where a bus reports what it dropped or survived when its owner gives no onWarning. */
export const defaultWarn: Warn = (message) => process.emitWarning(message, 'BusWarning');

export function guardListener(listener: BusListener, warn: Warn): BusListener {
  const guard =
    <A extends unknown[]>(name: keyof BusListener, call: (...args: A) => void) =>
    (...args: A): void => {
      try {
        call(...args);
      } catch (error) {
        warn(`bus listener ${name} threw: ${error instanceof Error ? error.stack : String(error)}`);
      }
    };
  return {
    deliver: guard('deliver', (to: string, frame: ServerFrame) => listener.deliver(to, frame)),
    broadcast: guard('broadcast', (event: BroadcastEvent) => listener.broadcast(event)),
    presence: guard('presence', (event: PresenceEvent) => listener.presence(event)),
    usersLost: guard('usersLost', (entries: readonly DirectoryEntry[]) => listener.usersLost(entries)),
    usersEvicted: guard('usersEvicted', (names: readonly string[]) => listener.usersEvicted(names)),
    holdLive: guard('holdLive', () => listener.holdLive()),
    resync: guard('resync', () => listener.resync()),
  };
}
