/**
 * How a client orders the states of one direct message: changes may reach it out of order (a
 * change pushed live and the same message read from the server's store at login), and it keeps
 * the newest. A deleted message stays deleted; otherwise the higher `revision` (which counts
 * edits and reactions) wins, and between states without one (an older server) the later edit
 * (editedAt, which the server makes increase with every edit).
 */
import type { DirectMessage } from './protocol.js';

/** Of two states of one message, the newer (the current one when they are equally new). */
export function newerMessage(current: DirectMessage, incoming: DirectMessage): DirectMessage {
  if (current.deleted) return current;
  if (incoming.deleted) return incoming;
  const currentRevision = current.revision ?? 0;
  const incomingRevision = incoming.revision ?? 0;
  if (incomingRevision !== currentRevision) return incomingRevision > currentRevision ? incoming : current;
  return (incoming.editedAt ?? 0) > (current.editedAt ?? 0) ? incoming : current;
}

/** Whether a message as received says it changed after it was sent (so it may update a copy). */
export function wasChanged(message: DirectMessage): boolean {
  return message.deleted === true || message.editedAt !== undefined || message.revision !== undefined;
}
