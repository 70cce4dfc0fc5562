/**
 * How a client orders the states of one direct message: changes may reach it out of order (a
 * change pushed live and the same message read from the server's store at login), and it keeps
 * the newest. A deleted message stays deleted; otherwise the later edit (editedAt, which the
 * server makes increase with every edit) wins.
 */
import type { DirectMessage } from './protocol.js';

/** Of two states of one message, the newer (the current one when they are equally new). */
export function newerMessage(current: DirectMessage, incoming: DirectMessage): DirectMessage {
  if (current.deleted) return current;
  if (incoming.deleted) return incoming;
  return (incoming.editedAt ?? 0) > (current.editedAt ?? 0) ? incoming : current;
}

/** Whether a message as received says it changed after it was sent (so it may update a copy). */
export function wasChanged(message: DirectMessage): boolean {
  return message.deleted === true || message.editedAt !== undefined;
}
