/**
 * The browser shell's WebSocket bridge protocol, shared by the Node shell (src/browser-shell) and
 * the page's bridge client (src/renderer/src/bridge).
 *
 * page → shell: `{ id, method, args }` (one API call; the shell validates it with `apiCalls`)
 * shell → page: `{ type: 'reply', id, result }` or `{ type: 'event', event }`
 */
import type { ApiResult, AppEvent } from './api.js';

/** Path of the WebSocket endpoint; the session secret goes in its `secret` query parameter. */
export const BRIDGE_PATH = '/bridge';
export const SECRET_PARAM = 'secret';
/**
 * The launch link is `http://127.0.0.1:PORT/#launch=TOKEN`: a one-time, expiring token that the page
 * exchanges for the session secret with `POST /session` and `{"token": TOKEN}` (answer:
 * `{"secret": …}`, or `{"error": …}` saying why not).
 */
export const LAUNCH_PARAM = 'launch';
export const SESSION_PATH = '/session';
/**
 * "Save as…" in the browser shell: GET FILES_PATH + transfer id + `?secret=…` answers a received
 * file as a download (src/browser-shell/file-download.ts).
 */
export const FILES_PATH = '/files/';
/** Largest message either side accepts, in bytes. */
export const BRIDGE_MAX_MESSAGE_BYTES = 128 * 1024;
/** Calls one page may have waiting at once. */
export const BRIDGE_MAX_IN_FLIGHT = 64;

export interface BridgeRequest {
  id: number;
  method: string;
  args: unknown[];
}

export type BridgeMessage =
  | { type: 'reply'; id: number; result: ApiResult<unknown> }
  | { type: 'event'; event: AppEvent }
  /** A message the shell could not tie to a request id. */
  | { type: 'error'; message: string };
