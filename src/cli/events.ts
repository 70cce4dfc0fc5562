/** How the terminal client shows what the core pushes. */
import type { AppEvent } from '../shared/api.js';
import type { Output } from './output.js';
import { commandErrorText, texts } from './texts.js';

export type ExitRequest = { code: number; text?: string };

/** Prints one event; returns an exit request when the session is over. */
export function showEvent(event: AppEvent, me: string | null, out: Output): ExitRequest | undefined {
  switch (event.kind) {
    case 'presence':
      out.line(event.online ? texts.loggedIn(event.user) : texts.loggedOut(event.user));
      return undefined;
    case 'message':
      // A message deleted before it reached this client has no text left to print.
      if (event.message.from !== me && !event.message.deleted)
        out.line(texts.received(event.message.from, event.message.text));
      return undefined;
    case 'queued_failed': {
      // The terminal client sends no group messages.
      if (!('to' in event)) return undefined;
      const text = commandErrorText('message', event.error, event.to);
      if (text !== undefined) out.line(text);
      return undefined;
    }
    case 'broadcast':
      if (event.from !== me) out.line(texts.received(event.from, event.text));
      return undefined;
    case 'private_message':
      if (event.from !== me) out.line(texts.privateReceived(event.peer, event.text));
      return undefined;
    case 'private_closed':
      if (event.reason === 'peer') out.line(texts.privateClosedByPeer(event.peer));
      if (event.reason === 'unreachable') out.line(texts.privateUnreachable(event.peer));
      return undefined;
    case 'logged_out':
      return loggedOutExit(event.reason);
    default:
      return undefined;
  }
}

function loggedOutExit(reason: Extract<AppEvent, { kind: 'logged_out' }>['reason']): ExitRequest | undefined {
  switch (reason) {
    case 'timeout':
      return { code: 0, text: texts.timedOut };
    case 'shutdown':
      return { code: 1, text: texts.serverShutdown };
    case 'connection_lost':
      return { code: 1, text: texts.serverLost };
    default:
      return undefined;
  }
}
