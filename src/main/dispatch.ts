/**
 * The one gate every renderer call passes through, in both shells (Electron IPC and the browser
 * shell's WebSocket): the method must be a known API method and its arguments must satisfy
 * `apiCalls[method]` before the client core sees them. `openPrivateWindow` is a shell concern and is
 * handed to the shell's own hook instead of the core. Never throws: every failure is an ApiResult.
 *
 * No Electron import here: the browser shell (plain Node) uses this module too.
 */
import { apiCalls, apiMethods, type ApiMethod, type ApiResult, type MessengerApi } from '../shared/api.js';
import { describeIssues } from '../shared/validate.js';
import { toApiError } from './core/errors.js';

/** What a shell needs from the client core: the renderer API plus a way to shut it down. */
export interface CoreLike extends MessengerApi {
  dispose(): void | Promise<void>;
}

export interface DispatchHooks {
  /** Opens or focuses the private-chat window for `peer` (already validated). */
  openPrivateWindow(peer: string): void;
}

const methodSet: ReadonlySet<string> = new Set(apiMethods);

export function isApiMethod(method: unknown): method is ApiMethod {
  return typeof method === 'string' && methodSet.has(method);
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
    if (method === 'openPrivateWindow') {
      const [peer] = parsed.data as [string];
      hooks.openPrivateWindow(peer);
      return { ok: true, value: {} };
    }
    const call = core.call as (m: ApiMethod, ...a: unknown[]) => Promise<ApiResult<unknown>>;
    return await call.call(core, method, ...(parsed.data as unknown[]));
  } catch (error) {
    return { ok: false, error: toApiError(error) };
  }
}
