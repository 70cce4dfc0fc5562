/**
 * The one gate every renderer call passes through, in both shells (Electron IPC and the browser
 * shell's WebSocket): the method must be a known API method and its arguments must satisfy
 * `apiCalls[method]` before anything sees them. The shell methods (`shellMethods`: windows, badge,
 * the system browser) go to the shell's own hooks, never to the core. Never throws: every failure
 * is an ApiResult.
 *
 * No Electron import here: the browser shell (plain Node) uses this module too.
 */
import {
  apiCalls,
  apiMethods,
  shellMethods,
  type ApiArgs,
  type ApiMethod,
  type ApiResult,
  type MessengerApi,
  type ShellMethod,
} from '../shared/api.js';
import { describeIssues } from '../shared/validate.js';
import { toApiError } from './core/errors.js';
import type { ReceivedFile } from './core/private-files.js';

/** What a shell needs from the client core: the renderer API plus a way to shut it down. */
export interface CoreLike extends MessengerApi {
  dispose(): void | Promise<void>;
  /** A received private file, complete and verified, for "Save as…" (the shell copies or serves it). */
  receivedFile?(id: string): ReceivedFile | undefined;
}

/**
 * The shell's answer to each shell method, called with already validated arguments:
 * `openPrivateWindow(peer)` opens or focuses that private-chat window, `setUnreadCount(n)` updates
 * the badge or tray, `focusWindow()` brings the caller's window to the front, `openExternal(url)`
 * opens an http(s)/mailto link outside the app, `setCloseBehaviour(b)` decides whether closing the
 * main window quits or keeps the app running in the background, `saveFile(id)` asks where to save a
 * received file and copies it there.
 */
export type DispatchHooks = { [M in ShellMethod]: (...args: ApiArgs<M>) => void };

const methodSet: ReadonlySet<string> = new Set(apiMethods);
const shellMethodSet: ReadonlySet<string> = new Set(shellMethods);

export function isApiMethod(method: unknown): method is ApiMethod {
  return typeof method === 'string' && methodSet.has(method);
}

function isShellMethod(method: ApiMethod): method is ShellMethod {
  return shellMethodSet.has(method);
}

function invalid(message: string): ApiResult<never> {
  return { ok: false, error: { code: 'invalid_argument', message } };
}

/** Validates a raw (untrusted) call and runs it. */
export async function dispatchCall(
  core: MessengerApi,
  method: unknown,
  args: unknown,
  hooks: DispatchHooks,
): Promise<ApiResult<unknown>> {
  if (!isApiMethod(method)) return invalid(`unknown method ${JSON.stringify(String(method)).slice(0, 80)}`);
  if (!Array.isArray(args)) return invalid(`${method}: arguments must be an array`);
  const parsed = apiCalls[method].safeParse(args);
  if (!parsed.success) return invalid(`${method}: ${describeIssues(parsed.error)}`);
  try {
    if (isShellMethod(method)) {
      const hook = hooks[method] as (...a: unknown[]) => void;
      hook.apply(hooks, parsed.data as unknown[]);
      return { ok: true, value: {} };
    }
    const call = core.call as (m: ApiMethod, ...a: unknown[]) => Promise<ApiResult<unknown>>;
    return await call.call(core, method, ...(parsed.data as unknown[]));
  } catch (error) {
    return { ok: false, error: toApiError(error) };
  }
}
